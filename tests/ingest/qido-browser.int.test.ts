// The study-browser side of QIDO-RS and /v1/studies, end to end on real files (Postgres,
// Redis/BullMQ, s3rver, the engine): the Type R attributes of PS3.18 Table 10.6.3-3/-4/-5 and the
// /v1/studies DTO fields are checked against the de-identified objects WADO-RS serves, as are the
// AccessionNumber / StudyID / StudyTime / ReferringPhysicianName matching keys, the SeriesNumber /
// InstanceNumber order, and descriptions kept by a Clean Descriptors project. Matching and the
// uploaded values' absence are in qido-matching.int.test.ts.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MULTI_SERIES_DIR } from './ingest.harness.ts';
import { fromObject, useQidoEnv, uids, type Json } from './qido.helpers.ts';

type StudyPage = { items: { id: string; studyInstanceUid: string; studyDate: string | null; studyTime: string | null; accessionNumber: string | null; studyDescription: string | null }[]; nextCursor: string | null };

describe('QIDO-RS and /v1/studies for study browsers', () => {
  const { suite, get, retrieve } = useQidoEnv();

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

  it('lists /v1/studies newest study date first, with the accession number, time and description the objects carry, across pages', async () => {
    const list = async (query: string) => (await get(`/v1/studies?${query}`)).json() as StudyPage;
    const { items, nextCursor } = await list('limit=200');
    expect([items.length, nextCursor]).toEqual([7, null]);
    for (const s of items) {
      const [object] = await retrieve(`/dicomweb/studies/${s.studyInstanceUid}`);
      const text = (tag: number) => object!.getString(tag)?.trim() || null;
      // StudyDescription is removed by the default profile; a Clean Descriptors project's is below.
      const want = { uid: s.studyInstanceUid, accession: text(0x00080050), time: text(0x00080030), description: null, date: text(0x00080020) };
      expect({ uid: s.studyInstanceUid, accession: s.accessionNumber, time: s.studyTime, description: s.studyDescription, date: s.studyDate?.replace(/-/g, '') ?? null }).toEqual(want);
    }
    expect(items.map((s) => s.accessionNumber).filter(Boolean)).toEqual([expect.stringMatching(/^A\d{9}$/), expect.stringMatching(/^A\d{9}$/), expect.stringMatching(/^A\d{9}$/)]);
    expect(items.map((s) => s.studyTime)).toContain('11:42:21');
    const accession = items.find((s) => s.accessionNumber)!;
    expect((await list(`accessionNumber=${accession.accessionNumber!}`)).items.map((s) => s.id)).toEqual([accession.id]);
    expect((await list('accessionNumber=A000000000')).items).toEqual([]);
    const newestFirst = [...items].sort((a, b) => (b.studyDate ?? '').localeCompare(a.studyDate ?? '') || b.id.localeCompare(a.id));
    expect(items.map((s) => s.id)).toEqual(newestFirst.map((s) => s.id));
    const paged: string[] = [];
    for (let page = await list('limit=2'); ; page = await list(`limit=2&cursor=${encodeURIComponent(page.nextCursor!)}`)) {
      paged.push(...page.items.map((s) => s.id));
      if (!page.nextCursor) break;
    }
    expect(paged).toEqual(items.map((s) => s.id));
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
    // The uploaded accession numbers and Study IDs ("428", "134", "2") find nothing, wildcards too
    // (a suffix pattern could hit a random surrogate "A" + 9 digits, so the wildcard is a prefix).
    for (const q of ['AccessionNumber=134', 'AccessionNumber=428%5C2', 'AccessionNumber=134*', 'StudyID=134', 'StudyID=1*', 'ReferringPhysicianName=Anonymized', 'ReferringPhysicianName=anon&fuzzymatching=true']) {
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
    const { philips } = await suite().philipsStudies();
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
    const clinic = await suite().env.gw.key('clinic', ['studies:write', 'studies:read']);
    const projectId = await suite().env.gw.project(clinic.orgId, 'descriptors');
    await suite().env.gw.db.prisma.project.update({ where: { id: projectId }, data: { deidOptions: { cleanDescriptors: true } } });
    const brain = ['MR1/4919', 'MR2/4950', 'MR2/4981', 'MR2/5011'].map((f) => join(MULTI_SERIES_DIR, f));
    expect((await suite().upload(brain, projectId, clinic.auth)).status.counts).toEqual({ READY: 4 });
    const found = (await get('/dicomweb/studies?StudyDescription=Br*', clinic.auth)).json() as Json[];
    expect(found).toHaveLength(1);
    const uid = found[0]!['0020000D']!.Value![0] as string;
    const [object] = await retrieve(`/dicomweb/studies/${uid}`, clinic.auth);
    expect(found[0]!['00081030']).toEqual(fromObject(object!, 0x00081030, 'LO'));
    expect(found[0]!['00081030']).toEqual({ vr: 'LO', Value: ['Brain'] });
    const listed = (await get('/v1/studies', clinic.auth)).json() as StudyPage;
    expect(listed.items.map((st) => [st.studyInstanceUid, st.studyDescription])).toEqual([[uid, 'Brain']]);
    expect((await get('/dicomweb/studies?StudyDescription=brain', clinic.auth)).json()).toEqual([]);
    const series = async (q: string) => (await get(`/dicomweb/studies/${uid}/series?${q}`, clinic.auth)).json() as Json[];
    const described = await series('SeriesDescription=T%2FS%2FC*');
    expect(described.map((se) => [se['00200011']!.Value, se['0008103E']])).toEqual([[[2], { vr: 'LO', Value: ['T/S/C RF FAST PILOT'] }]]);
    expect((await series('')).map((se) => se['0008103E']!.Value)).toEqual([['FAST LOCALIZER'], ['T/S/C RF FAST PILOT']]);
    // Another organization's key sees none of it.
    expect((await get('/dicomweb/studies?StudyDescription=Br*')).json()).toEqual([]);
  });
});
