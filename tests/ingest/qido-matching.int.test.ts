// Issue 4 follow-up, end to end on real files (Postgres, Redis/BullMQ, s3rver, the engine): the
// uploader's studies:write-only key polls its own upload; QIDO-RS wildcard matching (`*` and `?`
// anywhere, LIKE metacharacters literal, case-sensitive), value lists, universal matching, the
// de-identified PatientName (fuzzy too) and PatientID and SeriesDate ranges, never the uploaded
// values, the Warning header for unknown keys and for fuzzymatching, and 400s for malformed values
// that never echo the value. The study-browser attributes are in qido-browser.int.test.ts.
import { describe, expect, it } from 'vitest';
import { FILES, PHILIPS, useQidoEnv, uids, type Json } from './qido.helpers.ts';

describe('uploads polled by the uploader, and QIDO-RS matching', () => {
  const { suite, get } = useQidoEnv();

  it('lets the studies:write-only key that uploaded poll the upload to READY; a key with neither scope gets 403', async () => {
    // startQidoEnv polled the upload with the uploader's key (200 each time) until it was final.
    expect(suite().status.counts).toEqual({ READY: FILES.length });
    const neither = await suite().env.gw.key('acme', ['models:read']);
    const denied = await get(`/v1/uploads/${suite().uploadId}`, neither.auth);
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error.details).toEqual({ anyOfScopes: ['studies:read', 'studies:write'] });
  });

  it('matches * and ? anywhere in a value, case-sensitively, with % and _ taken literally', async () => {
    const all = await suite().env.gw.db.prisma.series.findMany({ where: { projectId: suite().env.projectId }, include: { study: true } });
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
    const studies = await suite().env.gw.db.prisma.study.findMany({ where: { projectId: suite().env.projectId } });
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

  const enc = encodeURIComponent;

  it('finds the de-identified patient by fuzzy PatientName and wildcard PatientID, never by the uploaded values', async () => {
    const { studies, philips } = await suite().philipsStudies();
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
    const { philips } = await suite().philipsStudies();
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
    const study = suite().status.instances[0]!.studyInstanceUid!;
    const fuzzy = await get(`/dicomweb/studies/${study}/series?fuzzymatching=true`);
    expect(fuzzy.statusCode).toBe(200);
    expect(fuzzy.json()).not.toHaveLength(0);
    expect(String(fuzzy.headers.warning)).toContain('fuzzymatching parameter is not supported for these attributes. Only literal matching has been performed.');
    const studyLevel = await get('/dicomweb/studies?ModalitiesInStudy=CT&fuzzymatching=true');
    expect(studyLevel.json()).toHaveLength(3);
    expect(studyLevel.headers.warning).toBeUndefined();
  });

  it('refuses malformed values of known keys with a 400 naming the key, never the value', async () => {
    const study = suite().status.instances[0]!.studyInstanceUid!;
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
});
