// The audit log: the hash-chained events the key may read (oldest first, paged by cursor),
// filtered by action, resource type and time, and the chain's verification.
import { useState } from 'preact/hooks';
import type { AuditEvent } from '@medgrade/sdk';
import { shownError, type ShownError } from '../errors.ts';
import { ErrorBanner, Loading, formatTime, useAsync, useSession } from '../ui.tsx';

interface Filter {
  action: string;
  resourceType: string;
  since: string;
}

export function AuditScreen() {
  const { mg } = useSession();
  const [form, setForm] = useState<Filter>({ action: '', resourceType: '', since: '' });
  const [filter, setFilter] = useState<Filter>(form);
  const [more, setMore] = useState<{ items: AuditEvent[]; cursor: string | null } | null>(null);
  const [error, setError] = useState<ShownError | null>(null);
  const [verified, setVerified] = useState<string | null>(null);
  const query = (cursor?: string) => ({
    limit: 100,
    ...(filter.action ? { action: filter.action } : {}),
    ...(filter.resourceType ? { resourceType: filter.resourceType } : {}),
    ...(filter.since ? { since: new Date(filter.since).toISOString() } : {}),
    ...(cursor ? { cursor } : {}),
  });
  const first = useAsync(async (signal) => {
    setMore(null);
    return (await mg.auditEvents.list({ query: query(), signal })).data;
  }, [filter]);
  const items = [...(first.data?.items ?? []), ...(more?.items ?? [])];
  const cursor = more ? more.cursor : first.data?.nextCursor ?? null;
  const loadMore = async () => {
    if (!cursor) return;
    try {
      const { data } = await mg.auditEvents.list({ query: query(cursor) });
      setMore({ items: [...(more?.items ?? []), ...data.items], cursor: data.nextCursor });
    } catch (e) {
      setError(shownError(e));
    }
  };
  const verify = async () => {
    try {
      const { data } = await mg.auditEvents.verify();
      setVerified(JSON.stringify(data));
    } catch (e) {
      setError(shownError(e));
    }
  };
  return (
    <div>
      <form class="search" onSubmit={(e) => { e.preventDefault(); setFilter(form); }}>
        <div class="field"><label for="a-action">Action</label><input id="a-action" value={form.action} placeholder="upload.create" onInput={(e) => setForm({ ...form, action: e.currentTarget.value })} /></div>
        <div class="field"><label for="a-type">Resource type</label><input id="a-type" value={form.resourceType} placeholder="study" onInput={(e) => setForm({ ...form, resourceType: e.currentTarget.value })} /></div>
        <div class="field"><label for="a-since">Since</label><input id="a-since" type="datetime-local" value={form.since} onInput={(e) => setForm({ ...form, since: e.currentTarget.value })} /></div>
        <div class="actions"><button type="submit">Filter</button><button type="button" onClick={verify}>Verify the chain</button></div>
      </form>
      {verified ? <p role="status" class="notice">Verification: <code>{verified}</code></p> : null}
      <ErrorBanner error={first.error ?? error} />
      {first.loading ? <Loading what="audit events" /> : (
        <table class="grid compact" data-testid="audit-table">
          <caption>{items.length} events{cursor ? ' (more below)' : ''}</caption>
          <thead><tr><th scope="col">#</th><th scope="col">When</th><th scope="col">Actor</th><th scope="col">Action</th><th scope="col">Resource</th><th scope="col">Request</th></tr></thead>
          <tbody>
            {items.map((e) => (
              <tr key={e.seq}><td>{e.seq}</td><td>{formatTime(e.createdAt)}</td><td><code>{e.actor.slice(0, 8)}</code></td><td>{e.action}</td><td>{e.resourceType} {e.resourceId ? <code>{e.resourceId.slice(0, 8)}</code> : null}</td><td><code>{e.requestId?.slice(0, 8) ?? ''}</code></td></tr>
            ))}
          </tbody>
        </table>
      )}
      {cursor ? <button type="button" onClick={loadMore}>Load more</button> : null}
    </div>
  );
}
