// Study browser: QIDO-RS search over the de-identified studies, then a study's series and
// instances (QIDO-RS), thumbnails from WADO-RS /rendered, and an instance's de-identification
// record (PatientIdentityRemoved, DeidentificationMethod and its CID 7050 codes) from its metadata.
import { useState } from 'preact/hooks';
import type { DicomJsonDataset } from '@medgrade/sdk';
import { EMPTY_SEARCH, displayDate, methodCodes, qidoQuery, value, values, type StudySearch } from '../qido.ts';
import { href, type Route } from '../route.ts';
import { AuthImage, ErrorBanner, Loading, Section, useAsync, useSession } from '../ui.tsx';

function SearchForm({ onSearch }: { onSearch: (s: StudySearch) => void }) {
  const [form, setForm] = useState<StudySearch>(EMPTY_SEARCH);
  const text = (key: keyof StudySearch, label: string, hint?: string) => (
    <div class="field">
      <label for={`q-${key}`}>{label}</label>
      {key.startsWith('date')
        ? <input id={`q-${key}`} type="date" value={String(form[key])} onInput={(e) => setForm({ ...form, [key]: e.currentTarget.value })} />
        : <input id={`q-${key}`} type="text" value={String(form[key])} placeholder={hint} onInput={(e) => setForm({ ...form, [key]: e.currentTarget.value })} />}
    </div>
  );
  return (
    <form class="search" onSubmit={(e) => { e.preventDefault(); onSearch(form); }}>
      {text('patientId', 'Patient ID (surrogate)', 'MG* or MG12?4')}
      {text('patientName', 'Patient name (surrogate)')}
      <div class="field checkbox">
        <input id="q-fuzzy" type="checkbox" checked={form.fuzzy} onChange={(e) => setForm({ ...form, fuzzy: e.currentTarget.checked })} />
        <label for="q-fuzzy">Fuzzy name match</label>
      </div>
      {text('modality', 'Modality', 'CR')}
      {text('dateFrom', 'Study date from')}
      {text('dateTo', 'Study date to')}
      {text('accession', 'Accession number')}
      {text('studyUid', 'Study Instance UID')}
      {text('description', 'Study description')}
      <div class="actions">
        <button type="submit">Search</button>
        <button type="reset" onClick={() => { setForm(EMPTY_SEARCH); onSearch(EMPTY_SEARCH); }}>Clear</button>
      </div>
    </form>
  );
}

function Results({ search }: { search: StudySearch }) {
  const { mg } = useSession();
  const found = useAsync(async (signal) => (await mg.dicomweb.searchStudies({ query: qidoQuery(search), signal })).data, [search]);
  if (found.loading) return <Loading what="studies" />;
  if (found.error) return <ErrorBanner error={found.error} />;
  const studies = found.data ?? [];
  return (
    <table class="grid" data-testid="study-results">
      <caption>{studies.length} {studies.length === 1 ? 'study' : 'studies'} found{studies.length === 50 ? ' (first 50: narrow the search)' : ''}</caption>
      <thead><tr><th scope="col">Patient ID</th><th scope="col">Patient name</th><th scope="col">Date</th><th scope="col">Accession</th><th scope="col">Modalities</th><th scope="col">Instances</th><th scope="col">Study</th></tr></thead>
      <tbody>
        {studies.map((s) => {
          const uid = value(s, 'StudyInstanceUID');
          return (
            <tr key={uid}>
              <td>{value(s, 'PatientID')}</td>
              <td>{value(s, 'PatientName').replace('^', ', ')}</td>
              <td>{displayDate(value(s, 'StudyDate'))}</td>
              <td>{value(s, 'AccessionNumber')}</td>
              <td>{values(s, 'ModalitiesInStudy').join(', ')}</td>
              <td>{value(s, 'NumberOfStudyRelatedInstances')}</td>
              <td><a href={href('studies', uid)} aria-label={`Open study of ${value(s, 'PatientID') || uid}`}>Open</a></td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function DeidRecord({ study, series, sop }: { study: string; series: string; sop: string }) {
  const { mg } = useSession();
  const meta = useAsync(async (signal) => (await mg.dicomweb.retrieveInstanceMetadata({ path: { study, series, sop }, signal })).data[0] ?? null, [study, series, sop]);
  if (meta.loading) return <Loading what="metadata" />;
  if (meta.error) return <ErrorBanner error={meta.error} />;
  const ds: DicomJsonDataset = meta.data ?? {};
  const codes = methodCodes(ds);
  return (
    <div data-testid="deid-record">
      <dl class="pairs">
        <dt>Patient identity removed</dt><dd>{value(ds, 'PatientIdentityRemoved') || '–'}</dd>
        <dt>De-identification method</dt><dd>{values(ds, 'DeidentificationMethod').join(' / ') || '–'}</dd>
      </dl>
      <table class="grid compact">
        <caption>De-identification method codes (CID 7050)</caption>
        <thead><tr><th scope="col">Code</th><th scope="col">Scheme</th><th scope="col">Meaning</th></tr></thead>
        <tbody>{codes.map((c) => <tr key={c.value} data-testid="method-code"><td>{c.value}</td><td>{c.scheme}</td><td>{c.meaning}</td></tr>)}</tbody>
      </table>
    </div>
  );
}

function SeriesBlock({ study, series, selected, onSelect }: { study: string; series: DicomJsonDataset; selected: string | null; onSelect: (series: string, sop: string) => void }) {
  const { mg } = useSession();
  const seriesUid = value(series, 'SeriesInstanceUID');
  const instances = useAsync(async (signal) => (await mg.dicomweb.searchInstances({ path: { study, series: seriesUid }, query: { limit: 100 }, signal })).data, [study, seriesUid]);
  const render = (sop: string) => async (signal: AbortSignal) => (await mg.dicomweb.retrieveRenderedInstance({ path: { study, series: seriesUid, sop }, query: { viewport: '128,128' }, signal })).data;
  return (
    <Section level={3} title={`Series ${value(series, 'SeriesNumber') || ''} · ${value(series, 'Modality')} · ${value(series, 'SeriesDescription') || 'no description'}`}>
      {instances.loading ? <Loading what="instances" /> : null}
      <ErrorBanner error={instances.error} />
      <ul class="thumbs">
        {(instances.data ?? []).map((i) => {
          const sop = value(i, 'SOPInstanceUID');
          return (
            <li key={sop}>
              <button type="button" class="thumb-button" aria-pressed={selected === sop} onClick={() => onSelect(seriesUid, sop)} data-testid="instance-thumb">
                <AuthImage id={`${seriesUid}/${sop}`} load={render(sop)} alt={`Instance ${value(i, 'InstanceNumber') || sop}`} size={128} />
                <span>Instance {value(i, 'InstanceNumber') || '?'}</span>
              </button>
            </li>
          );
        })}
      </ul>
    </Section>
  );
}

function StudyView({ uid }: { uid: string }) {
  const { mg } = useSession();
  const [selected, setSelected] = useState<{ series: string; sop: string } | null>(null);
  const study = useAsync(async (signal) => (await mg.studies.list({ query: { studyInstanceUid: uid, limit: 1 }, signal })).data.items[0] ?? null, [uid]);
  const series = useAsync(async (signal) => (await mg.dicomweb.searchSeries({ path: { study: uid }, signal })).data, [uid]);
  const s = study.data;
  return (
    <div data-testid="study-view">
      <p><a href={href('studies')}>← All studies</a></p>
      <ErrorBanner error={study.error ?? series.error} />
      {s ? (
        <dl class="pairs">
          <dt>Study Instance UID</dt><dd class="uid">{s.studyInstanceUid}</dd>
          <dt>Patient (surrogate)</dt><dd>{s.patientSurrogateId} · {s.patientName?.replace('^', ', ')} · {s.patientSex ?? '?'} · {s.patientAgeBand ?? '?'}</dd>
          <dt>Date (shifted)</dt><dd>{displayDate(s.studyDate ?? '') || '–'}</dd>
          <dt>Accession (surrogate)</dt><dd>{s.accessionNumber ?? '–'}</dd>
          <dt>Series / instances</dt><dd>{s.seriesCount} / {s.instanceCount}</dd>
        </dl>
      ) : null}
      {s ? <p><a class="button" href={`${href('inference')}?study=${encodeURIComponent(s.id)}`}>Run an inference on this study</a></p> : null}
      {series.loading ? <Loading what="series" /> : null}
      {(series.data ?? []).map((x) => <SeriesBlock key={value(x, 'SeriesInstanceUID')} study={uid} series={x} selected={selected?.sop ?? null} onSelect={(se, sop) => setSelected({ series: se, sop })} />)}
      {selected ? <Section level={3} title="De-identification of the selected instance"><DeidRecord study={uid} series={selected.series} sop={selected.sop} /></Section> : <p class="muted">Choose an instance to see how it was de-identified.</p>}
    </div>
  );
}

export function StudiesScreen({ route }: { route: Route }) {
  const [search, setSearch] = useState<StudySearch>(EMPTY_SEARCH);
  if (route.parts[0]) return <StudyView uid={route.parts[0]} />;
  return (
    <div>
      <SearchForm onSearch={setSearch} />
      <Results search={search} />
    </div>
  );
}
