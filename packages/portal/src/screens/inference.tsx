// Run an inference: pick a study and a released model, submit (POST /v1/inferences, asynchronous)
// and follow it to its end (the SDK's waitForInference), then read each instance's report text
// and label scores.
import { useState } from 'preact/hooks';
import { waitForInference, type Inference } from '@medgrade/sdk';
import { shownError, type ShownError } from '../errors.ts';
import type { Route } from '../route.ts';
import { ErrorBanner, Section, canAny, formatTime, useAsync, useSession } from '../ui.tsx';
import { fmt } from '../evaluation.ts';

function Result({ inference }: { inference: Inference }) {
  return (
    <div data-testid="inference-result" data-status={inference.status}>
      <p role="status">Inference {inference.id.slice(0, 8)}: <strong>{inference.status}</strong>{inference.timings ? ` in ${Math.round(inference.timings.totalMs)} ms` : ''}</p>
      {inference.results.map((r) => (
        <Section level={3} key={r.model.versionId} title={`${r.model.name} ${r.model.version}`}>
          {r.error ? <div class="error" role="alert">{r.error.code}: {r.error.message}</div> : null}
          {r.instances.map((i) => (
            <div class="instance-result" key={i.index}>
              <h4>Instance {i.index + 1}</h4>
              {i.error ? <div class="error" role="alert">{i.error.code}: {i.error.message}</div> : null}
              {i.text !== undefined ? <blockquote class="report" data-testid="report-text">{i.text || '(empty report)'}</blockquote> : null}
              {i.labels && i.labels.length > 0 ? (
                <table class="grid compact" data-testid="label-scores">
                  <caption>Label scores</caption>
                  <thead><tr><th scope="col">Label</th><th scope="col">Score</th><th scope="col"><span class="visually-hidden">Bar</span></th></tr></thead>
                  <tbody>{[...i.labels].sort((a, b) => b.score - a.score).map((l) => (
                    <tr key={l.label}><th scope="row">{l.label}</th><td>{fmt(l.score)}</td><td><meter min={0} max={1} value={l.score} aria-label={`${l.label} score`} /></td></tr>
                  ))}</tbody>
                </table>
              ) : null}
            </div>
          ))}
        </Section>
      ))}
    </div>
  );
}

export function InferenceScreen({ route }: { route: Route }) {
  const { mg, me } = useSession();
  const [studyId, setStudyId] = useState(route.params.get('study') ?? '');
  const [model, setModel] = useState('');
  const [inference, setInference] = useState<Inference | null>(null);
  const [error, setError] = useState<ShownError | null>(null);
  const [busy, setBusy] = useState(false);
  const options = useAsync(async (signal) => {
    const [studies, models] = await Promise.all([mg.studies.list({ query: { limit: 100 }, signal }), mg.models.list({ signal })]);
    return { studies: studies.data.items, models: models.data.items.filter((m) => m.latestReleasedVersion) };
  }, []);
  const models = options.data?.models ?? [];
  const chosenModel = model || models[0]?.name || '';

  const run = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setInference(null);
    try {
      const { data: submitted } = await mg.inferences.create({ body: { models: [chosenModel], input: { studyId } } });
      setInference(submitted);
      setInference(await waitForInference(mg, submitted.id, { timeoutMs: 5 * 60_000 }));
    } catch (e) {
      setError(shownError(e));
    } finally {
      setBusy(false);
    }
  };

  if (!canAny(me, 'inference:run')) return <p>This API key cannot run inferences (it needs the inference:run scope).</p>;
  return (
    <div>
      <ErrorBanner error={options.error} />
      <form class="search" onSubmit={run}>
        <div class="field wide">
          <label for="inf-study">Study</label>
          <select id="inf-study" value={studyId} onChange={(e) => setStudyId(e.currentTarget.value)} required>
            <option value="">Choose a study…</option>
            {(options.data?.studies ?? []).map((s) => (
              <option key={s.id} value={s.id}>{s.patientSurrogateId ?? '?'} · {s.studyDate ?? ''} · {s.modalities.join('/')} · {s.instanceCount} inst. · {formatTime(s.createdAt)}</option>
            ))}
            {studyId && !(options.data?.studies ?? []).some((s) => s.id === studyId) ? <option value={studyId}>{studyId}</option> : null}
          </select>
        </div>
        <div class="field">
          <label for="inf-model">Model (released)</label>
          <select id="inf-model" value={chosenModel} onChange={(e) => setModel(e.currentTarget.value)} required>
            {models.map((m) => <option key={m.id} value={m.name}>{m.name} {m.latestReleasedVersion}</option>)}
          </select>
        </div>
        <div class="actions"><button type="submit" disabled={busy || !studyId || !chosenModel}>{busy ? 'Running…' : 'Run inference'}</button></div>
      </form>
      <ErrorBanner error={error} />
      {inference ? <Result inference={inference} /> : null}
    </div>
  );
}
