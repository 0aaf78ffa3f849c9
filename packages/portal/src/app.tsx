// The portal shell: sign-in with an API key (checked with GET /v1/me, kept in sessionStorage),
// the navigation, and the screen the hash route names.
import { useEffect, useState } from 'preact/hooks';
import { createMedgrade, type Medgrade } from '@medgrade/sdk';
import { shownError, type ShownError } from './errors.ts';
import { href, parseRoute, type Route } from './route.ts';
import { clearKey, storedKey, storeKey } from './session.ts';
import { ErrorBanner, SessionContext, type Session } from './ui.tsx';
import { UploadScreen } from './screens/upload.tsx';
import { StudiesScreen } from './screens/studies.tsx';
import { ModelsScreen } from './screens/models.tsx';
import { InferenceScreen } from './screens/inference.tsx';
import { FinetuneScreen } from './screens/finetune.tsx';
import { KeysScreen } from './screens/keys.tsx';
import { AuditScreen } from './screens/audit.tsx';

const SCREENS = [
  { id: 'upload', title: 'Upload', render: () => <UploadScreen /> },
  { id: 'studies', title: 'Studies', render: (r: Route) => <StudiesScreen route={r} /> },
  { id: 'models', title: 'Models', render: (r: Route) => <ModelsScreen route={r} /> },
  { id: 'inference', title: 'Inference', render: (r: Route) => <InferenceScreen route={r} /> },
  { id: 'finetune', title: 'Fine-tuning', render: (r: Route) => <FinetuneScreen route={r} /> },
  { id: 'keys', title: 'API keys', render: () => <KeysScreen /> },
  { id: 'audit', title: 'Audit log', render: () => <AuditScreen /> },
];

function client(key: string): Medgrade {
  return createMedgrade({ baseUrl: location.origin, apiKey: key });
}

async function signIn(key: string): Promise<Session> {
  const mg = client(key);
  const { data: me } = await mg.me.get();
  return { mg, me };
}

function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

function SignIn({ onSession, initialError }: { onSession: (s: Session) => void; initialError: ShownError | null }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<ShownError | null>(initialError);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const session = await signIn(key.trim());
      storeKey(key.trim());
      onSession(session);
    } catch (e) {
      setError(shownError(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="signin">
      <h1>medgrade developer portal</h1>
      <form onSubmit={submit} aria-describedby="key-help">
        <label for="api-key">API key</label>
        <input id="api-key" name="api-key" type="password" autoComplete="off" spellcheck={false} required value={key} onInput={(e) => setKey(e.currentTarget.value)} />
        <p id="key-help" class="muted">Kept in this tab's session storage only; closing the tab or signing out forgets it.</p>
        <button type="submit" disabled={busy || !key.trim()}>{busy ? 'Signing in…' : 'Sign in'}</button>
      </form>
      <ErrorBanner error={error} />
    </main>
  );
}

export function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [restoring, setRestoring] = useState(() => storedKey() !== null);
  const [restoreError, setRestoreError] = useState<ShownError | null>(null);
  const route = useRoute();

  useEffect(() => {
    const key = storedKey();
    if (!key) return;
    signIn(key).then(setSession, (e: unknown) => {
      clearKey();
      setRestoreError(shownError(e));
    }).finally(() => setRestoring(false));
  }, []);

  if (restoring) return <p role="status">Signing in…</p>;
  if (!session) return <SignIn onSession={setSession} initialError={restoreError} />;

  const signOut = () => {
    clearKey();
    setSession(null);
    location.hash = '';
  };
  const current = SCREENS.find((s) => s.id === route.screen) ?? SCREENS[0]!;
  return (
    <SessionContext.Provider value={session}>
      <a class="skip" href="#main">Skip to content</a>
      <header class="top">
        <span class="brand">medgrade</span>
        <span class="who" data-testid="whoami">key {session.me.keyId.slice(0, 8)} · {session.me.projectId ? 'project key' : 'organization key'} · {session.me.scopes.join(', ')}</span>
        <button type="button" onClick={signOut}>Sign out</button>
      </header>
      <div class="layout">
        <nav aria-label="Portal">
          <ul>
            {SCREENS.map((s) => (
              <li key={s.id}><a href={href(s.id)} aria-current={s.id === current.id ? 'page' : undefined}>{s.title}</a></li>
            ))}
          </ul>
        </nav>
        <main id="main" tabIndex={-1}>
          <h1>{current.title}</h1>
          {current.render(route)}
        </main>
      </div>
    </SessionContext.Provider>
  );
}
