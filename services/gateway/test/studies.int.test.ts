import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestGateway, type TestGateway } from './gateway.harness.ts';

// GET /v1/studies order and pagination on rows inserted directly (the ingest path is covered by
// tests/ingest/qido-browser.int.test.ts): newest StudyDate first, id breaking ties, undated studies
// last; walking every page with small limits yields that order exactly once, with filters, under a
// project-scoped key, and when rows arrive between pages. A cursor that is not a nextCursor is a 400.

type Item = { id: string; studyDate: string | null; studyTime: string | null; accessionNumber: string | null; studyDescription: string | null; modalities: string[] };
type Row = { id: string; studyDate: Date | null; modalities: string[]; projectId: string };

/** The list order, as an oracle independent of the SQL: date descending, undated last, then id descending. */
function listOrder<T extends { id: string; studyDate: Date | null }>(rows: T[]): T[] {
  const day = (r: T) => r.studyDate?.getTime() ?? -Infinity;
  return [...rows].sort((a, b) => day(b) - day(a) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}

describe('GET /v1/studies order and cursor', () => {
  let gw: TestGateway;
  let auth: string;
  let projects: string[];
  let rows: Row[];
  beforeAll(async () => {
    gw = await createTestGateway();
    const key = await gw.key('acme', ['studies:read']);
    auth = key.auth;
    projects = [await gw.project(key.orgId, 'one'), await gw.project(key.orgId, 'two')];
    // 23 studies over 5 dates (runs of equal dates) plus undated ones, in two projects.
    const dates = ['2021-06-01', '2019-01-15', null, '2021-06-01', '2020-02-29', null, '2019-01-15'];
    const data = Array.from({ length: 23 }, (_, i) => ({
      orgId: key.orgId, projectId: projects[i % 2]!, studyInstanceUid: `2.25.${1000 + i}`,
      studyDate: dates[i % dates.length] ? new Date(`${dates[i % dates.length]}T00:00:00Z`) : null,
      modalities: i % 3 === 0 ? ['CT'] : ['MR'],
      ...(i === 4 ? { studyTime: '143008.25', accessionNumber: 'A000000417', studyDescription: 'Brain' } : {}),
    }));
    await gw.db.prisma.study.createMany({ data });
    rows = await gw.db.prisma.study.findMany({ select: { id: true, studyDate: true, modalities: true, projectId: true } });
    // Another organization's studies never show up.
    const other = await gw.key('other', ['studies:read']);
    const otherProject = await gw.project(other.orgId, 'x');
    await gw.db.prisma.study.create({ data: { orgId: other.orgId, projectId: otherProject, studyInstanceUid: '2.25.9', studyDate: new Date('2030-01-01'), modalities: ['CT'] } });
  });
  afterAll(async () => gw?.close());

  const get = (url: string, key = auth) => gw.app.inject({ method: 'GET', url, headers: { authorization: key } });

  /** Follows nextCursor from the first page to the last; returns every page's ids. */
  async function walk(query: string, key = auth, from: string | null = null): Promise<string[][]> {
    const pages: string[][] = [];
    let cursor = from;
    do {
      const res = await get(`/v1/studies?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, key);
      expect(res.statusCode).toBe(200);
      const body = res.json() as { items: Item[]; nextCursor: string | null };
      pages.push(body.items.map((s) => s.id));
      cursor = body.nextCursor;
    } while (cursor && pages.length < 50);
    expect(cursor).toBeNull();
    return pages;
  }

  it('lists newest study date first, ties by id, undated last, and carries the de-identified browser fields', async () => {
    const res = await get('/v1/studies?limit=200');
    const items = (res.json() as { items: Item[]; nextCursor: string | null }).items;
    expect(items.map((s) => s.id)).toEqual(listOrder(rows).map((r) => r.id));
    expect(items.map((s) => s.studyDate).slice(0, 4)).toEqual(['2021-06-01', '2021-06-01', '2021-06-01', '2021-06-01']);
    expect(items.at(-1)!.studyDate).toBeNull();
    expect(res.json().nextCursor).toBeNull();
    const described = items.filter((s) => s.accessionNumber);
    expect(described.map((s) => [s.studyDate, s.studyTime, s.accessionNumber, s.studyDescription])).toEqual([['2020-02-29', '143008.25', 'A000000417', 'Brain']]);
    expect(items.filter((s) => !s.accessionNumber).every((s) => s.studyTime === null && s.studyDescription === null)).toBe(true);
    const detail = (await get(`/v1/studies/${described[0]!.id}`)).json() as Item;
    expect([detail.studyTime, detail.accessionNumber, detail.studyDescription]).toEqual(['143008.25', 'A000000417', 'Brain']);
  });

  it('pages through equal and NULL dates without repeats or gaps, for every page size', async () => {
    const expected = listOrder(rows).map((r) => r.id);
    for (const limit of [1, 2, 3, 4, 7, 22, 23]) {
      const pages = await walk(`limit=${limit}`);
      expect({ limit, ids: pages.flat() }).toEqual({ limit, ids: expected });
      expect(pages.slice(0, -1).every((p) => p.length === limit)).toBe(true);
    }
  });

  it('keeps the order under filters and a project-scoped key', async () => {
    const ct = listOrder(rows.filter((r) => r.modalities.includes('CT'))).map((r) => r.id);
    expect((await walk('limit=2&modality=CT')).flat()).toEqual(ct);
    const ranged = listOrder(rows.filter((r) => r.studyDate && r.studyDate >= new Date('2019-01-15') && r.studyDate <= new Date('2020-02-29')));
    expect((await walk('limit=3&from=2019-01-15&to=2020-02-29')).flat()).toEqual(ranged.map((r) => r.id));
    const inTwo = listOrder(rows.filter((r) => r.projectId === projects[1])).map((r) => r.id);
    expect((await walk(`limit=2&projectId=${projects[1]}`)).flat()).toEqual(inTwo);
    const scoped = await gw.key('acme', ['studies:read'], projects[1]);
    expect((await walk('limit=3', scoped.auth)).flat()).toEqual(inTwo);
  });

  it('continues after the cursor\'s row when studies arrive between pages', async () => {
    const first = (await get('/v1/studies?limit=5')).json() as { items: Item[]; nextCursor: string };
    const orgId = (await gw.db.prisma.project.findUniqueOrThrow({ where: { id: projects[0]! } })).orgId;
    await gw.db.prisma.study.createMany({ data: [
      { orgId, projectId: projects[0]!, studyInstanceUid: '2.25.5001', studyDate: new Date('2022-01-01'), modalities: [] },
      { orgId, projectId: projects[0]!, studyInstanceUid: '2.25.5002', modalities: [] },
    ] });
    const all = listOrder(await gw.db.prisma.study.findMany({ where: { orgId }, select: { id: true, studyDate: true } })).map((r) => r.id);
    const rest = (await walk('limit=4', auth, first.nextCursor)).flat();
    // The newer study sorts before the first page and is not repeated; the undated one joins the tail.
    const after = all.slice(all.indexOf(first.items.at(-1)!.id) + 1);
    expect(rest).toEqual(after);
    expect(new Set([...first.items.map((s) => s.id), ...rest]).size).toBe(first.items.length + rest.length);
  });

  it('answers 400 for a cursor that is not a nextCursor of this list, without echoing it', async () => {
    // The last study in list order now (the test above added some).
    const orgId = (await gw.db.prisma.project.findUniqueOrThrow({ where: { id: projects[0]! } })).orgId;
    const last = listOrder(await gw.db.prisma.study.findMany({ where: { orgId }, select: { id: true, studyDate: true } })).at(-1)!;
    for (const cursor of [last.id, `2021-02-30_${last.id}`, 'DOE^JOHN', 'none_', `x${'1'.repeat(70)}`]) {
      const res = await get(`/v1/studies?cursor=${encodeURIComponent(cursor)}`);
      expect({ cursor, status: res.statusCode }).toEqual({ cursor, status: 400 });
      expect(['BAD_REQUEST', 'VALIDATION_FAILED']).toContain(res.json().error.code);
      expect(res.body).not.toContain('DOE');
    }
    expect((await get(`/v1/studies?cursor=none_${last.id}`)).json()).toEqual({ items: [], nextCursor: null });
  });
});
