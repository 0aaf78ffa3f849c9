// Models and versions: the registry's models, each version's status, and a version's evaluation
// (overall, per finding with a chart, per subgroup), with the gate's checks when a fine-tuning job
// validated it. Admin keys release (a draft only with an audited override) and retire versions.
import { useState } from 'preact/hooks';
import type { ModelVersion, ModelVersionDetail } from '@medgrade/sdk';
import { BarChart } from '../chart.tsx';
import { shownError, type ShownError } from '../errors.ts';
import { findingRows, fmt, reportsOf, subgroupRows, type LabelledReport } from '../evaluation.ts';
import { href, type Route } from '../route.ts';
import { ErrorBanner, Loading, Section, formatTime, useAsync, useSession } from '../ui.tsx';

function ModelList() {
  const { mg } = useSession();
  const models = useAsync(async (signal) => {
    const { data } = await mg.models.list({ signal });
    return Promise.all(data.items.map(async (m) => ({ model: m, versions: (await mg.modelVersions.list({ path: { name: m.name }, signal })).data.items })));
  }, []);
  if (models.loading) return <Loading what="models" />;
  if (models.error) return <ErrorBanner error={models.error} />;
  if ((models.data ?? []).length === 0) return <p>No models yet: register one with <code>medgrade models register</code>.</p>;
  return (
    <div>
      {(models.data ?? []).map(({ model, versions }) => (
        <Section key={model.id} title={model.name}>
          <p class="muted">{model.description ?? ''} Latest released: {model.latestReleasedVersion ?? 'none'}</p>
          <table class="grid compact">
            <thead><tr><th scope="col">Version</th><th scope="col">Status</th><th scope="col">Created</th><th scope="col">Released</th><th scope="col">Evaluation</th></tr></thead>
            <tbody>
              {versions.map((v: ModelVersion) => (
                <tr key={v.id}>
                  <td>{v.version}</td>
                  <td><span class={`badge badge-${v.status}`}>{v.status}</span></td>
                  <td>{formatTime(v.createdAt)}</td>
                  <td>{formatTime(v.releasedAt)}</td>
                  <td><a href={href('models', model.name, v.version)} aria-label={`Evaluation of ${model.name} ${v.version}`}>Open evaluation</a></td>
                </tr>
              ))}
            </tbody>
          </table>
        </Section>
      ))}
    </div>
  );
}

function Report({ labelled }: { labelled: LabelledReport }) {
  const { report, label } = labelled;
  const findings = findingRows(report.overall);
  return (
    <Section level={3} title={label}>
      <p>
        Test studies <strong>{report.overall.n}</strong> · exact match <strong>{fmt(report.overall.exactMatch.value)}</strong> (95% CI {fmt(report.overall.exactMatch.ci95[0])}–{fmt(report.overall.exactMatch.ci95[1])}) ·
        macro-F1 <strong>{fmt(report.overall.macroF1.value)}</strong> (95% CI {fmt(report.overall.macroF1.ci95[0])}–{fmt(report.overall.macroF1.ci95[1])})
      </p>
      <BarChart title={`${label}: F1 per finding with 95% intervals`} bars={findings.map((f) => ({ label: f.finding, value: f.f1, low: f.f1Ci95[0], high: f.f1Ci95[1] }))} />
      <table class="grid compact" data-testid="finding-table">
        <caption>Per finding</caption>
        <thead><tr><th scope="col">Finding</th><th scope="col">Precision</th><th scope="col">Recall</th><th scope="col">F1</th><th scope="col">F1 95% CI</th><th scope="col">Support</th></tr></thead>
        <tbody>{findings.map((f) => <tr key={f.finding}><th scope="row">{f.finding}</th><td>{fmt(f.precision)}</td><td>{fmt(f.recall)}</td><td>{fmt(f.f1)}</td><td>{fmt(f.f1Ci95[0])}–{fmt(f.f1Ci95[1])}</td><td>{f.support}</td></tr>)}</tbody>
      </table>
      <table class="grid compact" data-testid="subgroup-table">
        <caption>Per subgroup</caption>
        <thead><tr><th scope="col">Attribute</th><th scope="col">Group</th><th scope="col">n</th><th scope="col">Exact match</th><th scope="col">Macro-F1</th></tr></thead>
        <tbody>{subgroupRows(report).map((s) => <tr key={`${s.attribute}/${s.group}`}><td>{s.attribute}</td><th scope="row">{s.group}</th><td>{s.n}</td><td>{fmt(s.exactMatch)}</td><td>{fmt(s.macroF1)}</td></tr>)}</tbody>
      </table>
    </Section>
  );
}

function StatusActions({ detail, onChanged }: { detail: ModelVersionDetail; onChanged: () => void }) {
  const { mg } = useSession();
  const [reason, setReason] = useState('');
  const [override, setOverride] = useState(false);
  const [error, setError] = useState<ShownError | null>(null);
  const [busy, setBusy] = useState(false);
  const path = { name: detail.name, version: detail.version };
  const act = async (action: 'release' | 'retire') => {
    setBusy(true);
    setError(null);
    try {
      if (action === 'release') await mg.modelVersions.release({ path, body: { reason, ...(detail.status === 'draft' ? { override } : {}) } });
      else await mg.modelVersions.retire({ path, body: { reason } });
      setReason('');
      onChanged();
    } catch (e) {
      setError(shownError(e));
    } finally {
      setBusy(false);
    }
  };
  const canRelease = detail.status === 'draft' || detail.status === 'validated';
  return (
    <form class="actions-form" onSubmit={(e) => e.preventDefault()}>
      <div class="field">
        <label for="status-reason">Reason (recorded in the audit trail)</label>
        <input id="status-reason" value={reason} minLength={3} onInput={(e) => setReason(e.currentTarget.value)} />
      </div>
      {detail.status === 'draft' ? (
        <div class="field checkbox">
          <input id="override" type="checkbox" checked={override} onChange={(e) => setOverride(e.currentTarget.checked)} />
          <label for="override">Override: release a draft that has not passed the evaluation gate</label>
        </div>
      ) : null}
      <div class="actions">
        <button type="button" disabled={busy || !canRelease || reason.trim().length < 3} onClick={() => act('release')}>Release</button>
        <button type="button" class="danger" disabled={busy || detail.status === 'retired' || reason.trim().length < 3} onClick={() => act('retire')}>Retire</button>
      </div>
      <ErrorBanner error={error} />
    </form>
  );
}

function VersionView({ name, version }: { name: string; version: string }) {
  const { mg, me } = useSession();
  const detail = useAsync(async (signal) => (await mg.modelVersions.get({ path: { name, version }, signal })).data, [name, version]);
  if (detail.loading && !detail.data) return <Loading what="the version" />;
  if (detail.error || !detail.data) return <ErrorBanner error={detail.error} />;
  const d = detail.data;
  const reports = reportsOf(d);
  return (
    <div data-testid="version-view">
      <p><a href={href('models')}>← All models</a></p>
      <h2>{d.name} {d.version} <span class={`badge badge-${d.status}`} data-testid="version-status">{d.status}</span></h2>
      <dl class="pairs">
        <dt>Created</dt><dd>{formatTime(d.createdAt)}</dd>
        <dt>Validated</dt><dd>{formatTime(d.validatedAt)}</dd>
        <dt>Released</dt><dd>{formatTime(d.releasedAt)}</dd>
      </dl>
      {me.scopes.includes('admin') ? <Section level={3} title="Release or retire"><StatusActions detail={d} onChanged={detail.reload} /></Section> : null}
      {d.validation ? (
        <Section level={3} title={`Evaluation gate: ${d.validation.gate.passed ? 'passed' : 'failed'}`}>
          <ul>{d.validation.gate.checks.map((c) => <li key={c.name}>{c.passed ? 'passed' : 'FAILED'}: {c.name}: {c.detail}</li>)}</ul>
        </Section>
      ) : null}
      {reports.length === 0 ? <p>This version carries no evaluation.</p> : reports.map((r) => <Report key={r.label} labelled={r} />)}
      {d.modelCard ? <Section level={3} title="Model card"><pre class="card">{d.modelCard}</pre></Section> : null}
    </div>
  );
}

export function ModelsScreen({ route }: { route: Route }) {
  const [name, version] = route.parts;
  return name && version ? <VersionView name={name} version={version} /> : <ModelList />;
}
