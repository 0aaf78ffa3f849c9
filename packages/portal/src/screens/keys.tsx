// The project's API keys: list (prefix, scopes, last use, revoked), create (the secret is shown
// once, here, and never stored by the portal) and revoke.
import { useState } from 'preact/hooks';
import type { ApiKey } from '@medgrade/sdk';
import { shownError, type ShownError } from '../errors.ts';
import { ErrorBanner, Loading, formatTime, useAsync, useSession } from '../ui.tsx';

const SCOPES: ApiKey['scopes'] = ['studies:write', 'studies:read', 'models:read', 'models:write', 'inference:run', 'finetune:write', 'audit:read', 'admin'];

function CreateKey({ onCreated }: { onCreated: () => void }) {
  const { mg } = useSession();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<ApiKey['scopes']>(['studies:read']);
  const [created, setCreated] = useState<string | null>(null);
  const [error, setError] = useState<ShownError | null>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    setError(null);
    try {
      const { data } = await mg.apiKeys.create({ body: { name, scopes } });
      setCreated(data.key);
      setName('');
      onCreated();
    } catch (e) {
      setError(shownError(e));
    }
  };
  return (
    <form class="search" onSubmit={submit}>
      <div class="field"><label for="key-name">Name</label><input id="key-name" value={name} onInput={(e) => setName(e.currentTarget.value)} /></div>
      <fieldset class="scopes">
        <legend>Scopes</legend>
        {SCOPES.map((s) => (
          <span key={s} class="checkbox">
            <input id={`scope-${s}`} type="checkbox" checked={scopes.includes(s)} onChange={(e) => setScopes(e.currentTarget.checked ? [...scopes, s] : scopes.filter((x) => x !== s))} />
            <label for={`scope-${s}`}>{s}</label>
          </span>
        ))}
      </fieldset>
      <div class="actions"><button type="submit" disabled={scopes.length === 0}>Create key</button></div>
      <ErrorBanner error={error} />
      {created ? (
        <div class="notice" role="status">
          <p>The new key, shown once: copy it now.</p>
          <input aria-label="New API key" readOnly value={created} onFocus={(e) => e.currentTarget.select()} />
          <button type="button" onClick={() => setCreated(null)}>I have copied it</button>
        </div>
      ) : null}
    </form>
  );
}

export function KeysScreen() {
  const { mg, me } = useSession();
  const keys = useAsync(async (signal) => (await mg.apiKeys.list({ signal })).data.items, []);
  const [error, setError] = useState<ShownError | null>(null);
  const revoke = async (key: ApiKey) => {
    if (!confirm(`Revoke key ${key.prefix}${key.name ? ` (${key.name})` : ''}? Clients using it stop working at once.`)) return;
    try {
      await mg.apiKeys.revoke({ path: { id: key.id } });
      keys.reload();
    } catch (e) {
      setError(shownError(e));
    }
  };
  const visible = (keys.data ?? []).filter((k) => !me.projectId || k.projectId === me.projectId);
  return (
    <div>
      <CreateKey onCreated={keys.reload} />
      <ErrorBanner error={keys.error ?? error} />
      {keys.loading ? <Loading what="keys" /> : (
        <table class="grid">
          <caption>{me.projectId ? "This project's keys" : "The organization's keys"}</caption>
          <thead><tr><th scope="col">Prefix</th><th scope="col">Name</th><th scope="col">Scopes</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col">State</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
          <tbody>
            {visible.map((k) => (
              <tr key={k.id}>
                <td><code>{k.prefix}</code>{k.id === me.keyId ? ' (this key)' : ''}</td>
                <td>{k.name ?? '–'}</td>
                <td>{k.scopes.join(', ')}</td>
                <td>{formatTime(k.createdAt)}</td>
                <td>{formatTime(k.lastUsedAt)}</td>
                <td>{k.revokedAt ? `revoked ${formatTime(k.revokedAt)}` : k.expiresAt ? `expires ${formatTime(k.expiresAt)}` : 'active'}</td>
                <td>{k.revokedAt || k.id === me.keyId ? null : <button type="button" class="danger" onClick={() => revoke(k)} aria-label={`Revoke key ${k.prefix}`}>Revoke</button>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
