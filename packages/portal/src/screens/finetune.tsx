// Fine-tuning jobs: the list (status, why a queued job waits), and a job's live loss curve and
// event stream, read with GET /v1/finetune-jobs/{id}/events?after= until the job has ended.
import { useEffect, useState } from 'preact/hooks';
import { LineChart } from '../chart.tsx';
import { shownError, type ShownError } from '../errors.ts';
import { EMPTY_LOG, followEvents, lossSeries, type EventLog } from '../event-paging.ts';
import { href, type Route } from '../route.ts';
import { ErrorBanner, Loading, Section, formatTime, useAsync, useSession } from '../ui.tsx';

function JobList() {
  const { mg } = useSession();
  const jobs = useAsync(async (signal) => (await mg.finetuneJobs.list({ signal })).data.items, []);
  if (jobs.loading) return <Loading what="fine-tuning jobs" />;
  if (jobs.error) return <ErrorBanner error={jobs.error} />;
  if ((jobs.data ?? []).length === 0) return <p>No fine-tuning jobs yet (<code>medgrade finetune create</code>).</p>;
  return (
    <table class="grid">
      <thead><tr><th scope="col">Job</th><th scope="col">Status</th><th scope="col">Base model</th><th scope="col">Method</th><th scope="col">Pool</th><th scope="col">Step</th><th scope="col">Created</th></tr></thead>
      <tbody>
        {(jobs.data ?? []).map((j) => (
          <tr key={j.id}>
            <td><a href={href('finetune', j.id)}>{j.id.slice(0, 8)}</a></td>
            <td><span class={`badge badge-${j.status}`}>{j.status}</span>{j.pendingReason ? ` (waits for ${j.pendingReason}${j.position ? `, #${j.position}` : ''})` : ''}</td>
            <td>{j.baseModel.name} {j.baseModel.version}</td>
            <td>{j.method}</td>
            <td>{j.nodePool} × {j.gpus}</td>
            <td>{j.lastStep ?? '–'}</td>
            <td>{formatTime(j.createdAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function describe(data: Record<string, unknown>): string {
  return Object.entries(data).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(' ');
}

function JobView({ id }: { id: string }) {
  const { mg } = useSession();
  const job = useAsync(async (signal) => (await mg.finetuneJobs.get({ path: { id }, signal })).data, [id]);
  const [log, setLog] = useState<EventLog>(EMPTY_LOG);
  const [error, setError] = useState<ShownError | null>(null);
  useEffect(() => {
    const controller = new AbortController();
    setLog(EMPTY_LOG);
    followEvents(async (after) => (await mg.finetuneJobs.listEvents({ path: { id }, query: { after, limit: 500 }, signal: controller.signal })).data, { signal: controller.signal, onUpdate: setLog })
      .then(() => job.reload(), (e: unknown) => !controller.signal.aborted && setError(shownError(e)));
    return () => controller.abort();
  }, [id]);
  const loss = lossSeries(log.events).map((p) => ({ x: p.step, y: p.loss }));
  const j = job.data;
  return (
    <div data-testid="job-view">
      <p><a href={href('finetune')}>← All jobs</a></p>
      <ErrorBanner error={job.error ?? error} />
      {j ? (
        <dl class="pairs">
          <dt>Status</dt><dd><span class={`badge badge-${j.status}`}>{j.status}</span> {j.errorCode ? `${j.errorCode}: ${j.errorMessage ?? ''}` : ''}</dd>
          <dt>Base model</dt><dd>{j.baseModel.name} {j.baseModel.version} ({j.method}, seed {j.seed})</dd>
          <dt>Attempts / preemptions</dt><dd>{j.attempts} / {j.preemptions}</dd>
          <dt>Last step / checkpoint</dt><dd>{j.lastStep ?? '–'} / {j.lastCheckpointStep ?? '–'}</dd>
          <dt>Registered version</dt><dd>{j.modelVersionId ?? '–'}</dd>
        </dl>
      ) : null}
      <Section level={3} title="Training loss">
        <LineChart title="Training loss per step" points={loss} xLabel="step" yLabel="loss" />
        <p class="muted" role="status">{log.finished ? 'The job has ended.' : 'Live: new events appear as the trainer writes them.'}</p>
      </Section>
      <Section level={3} title={`Events (${log.events.length})`}>
        <ol class="events" data-testid="job-events">
          {log.events.map((e) => <li key={e.seq}><time dateTime={e.createdAt}>{formatTime(e.createdAt)}</time> <strong>{e.type}</strong>{e.attempt !== null ? ` #${e.attempt}` : ''} <span class="muted">{describe(e.data)}</span></li>)}
        </ol>
      </Section>
    </div>
  );
}

export function FinetuneScreen({ route }: { route: Route }) {
  return route.parts[0] ? <JobView id={route.parts[0]} /> : <JobList />;
}
