import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conditionsSql, createTestDatabase, Prisma, valueSql, type TestDatabase } from '@medgrade/db';
import { parseQido, type Condition, type QidoKey } from './qido.query.ts';
import { STUDY_KEYS } from '../routes/qido.routes.ts';

// The SQL of each matching form, run by the real Postgres over person names (PN) with awkward
// characters: what the LIKE/ILIKE translation and escaping really match.

const NAMES = ['Doe^John', 'DOE^JANE^Q', 'van der Berg^Anna', 'Smith^Johnny=山田^太郎', 'Johnson^Bob', 'O_Neil^Pat', '50%^Off', 'back\\slash^X'];
const PN: QidoKey = { keyword: 'PatientName', tag: '00100010', kind: 'name', column: 'name' };

describe('QIDO matching SQL on Postgres', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => db?.drop());

  async function matching(c: Condition): Promise<string[]> {
    const values = Prisma.join(NAMES.map((n) => Prisma.sql`(${n})`));
    const rows = await db.prisma.$queryRaw<{ v: string }[]>`SELECT v FROM (VALUES ${values}) AS t(v) WHERE ${valueSql(Prisma.raw('v'), c)} ORDER BY v`;
    return rows.map((r) => r.v).sort();
  }
  const query = (value: string, fuzzy = false) => parseQido({ PatientName: value, ...(fuzzy ? { fuzzymatching: 'true' } : {}) }, [PN]).conditions.get('PatientName')!;

  it('matches wildcards anywhere, case-sensitively, and value lists', async () => {
    expect(await matching(query('D?e^J*'))).toEqual(['Doe^John']);
    expect(await matching(query('*^J*'))).toEqual(['DOE^JANE^Q', 'Doe^John', 'Smith^Johnny=山田^太郎']);
    expect(await matching(query('Smith^Johnny=??^太郎'))).toEqual(['Smith^Johnny=山田^太郎']);
    expect(await matching(query('doe^john'))).toEqual([]);
    expect(await matching(query('Doe^John\\Johnson^B*'))).toEqual(['Doe^John', 'Johnson^Bob']);
  });

  it('matches the user\'s %, _ and backslash only literally', async () => {
    expect(await matching(query('50%^Off'))).toEqual(['50%^Off']);
    expect(await matching(query('5_%^*'))).toEqual([]);
    expect(await matching(query('O_Neil*'))).toEqual(['O_Neil^Pat']);
    expect(await matching(query('?_*'))).toEqual(['O_Neil^Pat']);
    expect(await matching({ kind: 'match', terms: [{ pattern: 'back\\slash*' }] })).toEqual(['back\\slash^X']);
    expect(await matching({ kind: 'match', terms: [{ pattern: 'back\\*' }] })).toEqual(['back\\slash^X']);
  });

  it('fuzzymatching: every word starts some name part, ignoring case', async () => {
    expect(await matching(query('jo', true))).toEqual(['Doe^John', 'Johnson^Bob', 'Smith^Johnny=山田^太郎']);
    expect(await matching(query('doe', true))).toEqual(['DOE^JANE^Q', 'Doe^John']);
    expect(await matching(query('DOE^ja', true))).toEqual(['DOE^JANE^Q']);
    expect(await matching(query('berg', true))).toEqual(['van der Berg^Anna']);
    expect(await matching(query('山田', true))).toEqual(['Smith^Johnny=山田^太郎']);
    expect(await matching(query('oe', true))).toEqual([]);
    expect(await matching(query('o_', true))).toEqual(['O_Neil^Pat']);
    expect(await matching(query('j?hn', true))).toEqual(['Doe^John', 'Johnson^Bob', 'Smith^Johnny=山田^太郎']);
  });

  it('study PatientName, PatientID, StudyDescription and AccessionNumber conditions match the Study table and can use its indexes', async () => {
    const org = await db.prisma.organization.create({ data: { slug: 'qido-sql', name: 'Q' } });
    const project = await db.prisma.project.create({ data: { orgId: org.id, slug: 'p', name: 'P', secretCiphertext: Buffer.alloc(60) } });
    const rows = NAMES.map((patientName, i) => ({ orgId: org.id, projectId: project.id, studyInstanceUid: `2.25.${i}`, patientName, patientSurrogateId: `MG${4800 + i}` }));
    await db.prisma.study.createMany({ data: rows });
    // The gateway's own study keys, so the columns and kinds are the ones QIDO-RS really queries.
    const keys = STUDY_KEYS;
    const where = (query: Record<string, string>) => Prisma.join(conditionsSql('s', keys, parseQido(query, keys).conditions), ' AND ');
    const found = async (query: Record<string, string>) =>
      (await db.prisma.$queryRaw<{ n: string }[]>`SELECT s."patientName" AS n FROM "Study" s WHERE ${where(query)}`).map((r) => r.n).sort();
    expect(await found({ PatientName: 'doe jo', fuzzymatching: 'true' })).toEqual(['Doe^John']);
    expect(await found({ PatientName: 'Doe^John' })).toEqual(['Doe^John']);
    expect(await found({ PatientID: 'MG480*', PatientName: '*^J*' })).toEqual(['DOE^JANE^Q', 'Doe^John', 'Smith^Johnny=山田^太郎']);
    expect(await found({ PatientID: 'MG4803\\MG4804' })).toEqual(['Johnson^Bob', 'Smith^Johnny=山田^太郎']);
    // Whether the planner may use the index (sequential scans priced out): a condition it cannot
    // use an index for would still read the whole table whatever the table's size.
    const plan = async (query: Record<string, string>) => db.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SET LOCAL enable_seqscan = off`;
      const lines = await tx.$queryRaw<{ 'QUERY PLAN': string }[]>`EXPLAIN SELECT s."id" FROM "Study" s WHERE ${where(query)}`;
      return lines.map((l) => l['QUERY PLAN']).join('\n');
    });
    expect(await plan({ PatientName: 'johnn', fuzzymatching: 'true' })).toContain('Study_patientName_idx');
    expect(await plan({ PatientName: 'Smi*^John*' })).toContain('Study_patientName_idx');
    expect(await plan({ PatientID: 'MG48*' })).toContain('Study_patientSurrogateId_idx');
    expect(await plan({ StudyDescription: '*CHEST*' })).toContain('Study_studyDescription_idx');
    expect(await plan({ AccessionNumber: 'A1234*' })).toContain('Study_accessionNumber_idx');
  });

  it('bounds date ranges by calendar day', async () => {
    const days = Prisma.join(['2020-01-01', '2020-06-30', '2021-01-01'].map((d) => Prisma.sql`(${d}::date)`));
    const run = async (range: string) => {
      const c = parseQido({ StudyDate: range }, [{ keyword: 'StudyDate', tag: '00080020', kind: 'date', column: 'd' }]).conditions.get('StudyDate')!;
      const rows = await db.prisma.$queryRaw<{ d: string }[]>`SELECT to_char(d, 'YYYYMMDD') AS d FROM (VALUES ${days}) AS t(d) WHERE ${valueSql(Prisma.raw('d'), c)} ORDER BY d`;
      return rows.map((r) => r.d);
    };
    expect(await run('20200630')).toEqual(['20200630']);
    expect(await run('20200101-20200630')).toEqual(['20200101', '20200630']);
    expect(await run('20200701-')).toEqual(['20210101']);
    expect(await run('-20200101')).toEqual(['20200101']);
  });

  it('orders stored TM text (fractions, partial times, the old colon form) as times, bounds included', async () => {
    const STORED = ['0700', '093000', '093000.5', '10:15:00', '103059.999999', '1031', '235960'];
    const TIME: QidoKey = { keyword: 'StudyTime', tag: '00080030', kind: 'time', column: 't' };
    const values = Prisma.join(STORED.map((t) => Prisma.sql`(${t})`));
    const run = async (range: string) => {
      const c = parseQido({ StudyTime: range }, [TIME]).conditions.get('StudyTime')!;
      return (await db.prisma.$queryRaw<{ t: string }[]>`SELECT t FROM (VALUES ${values}) AS v(t) WHERE ${valueSql(Prisma.raw('t'), c)}`).map((r) => r.t).sort();
    };
    expect(await run('0930')).toEqual(['093000', '093000.5']);
    expect(await run('093000')).toEqual(['093000', '093000.5']);
    expect(await run('093000.5')).toEqual(['093000.5']);
    expect(await run('0930-1030')).toEqual(['093000', '093000.5', '103059.999999', '10:15:00']);
    expect(await run('-0700')).toEqual(['0700']);
    expect(await run('1031-')).toEqual(['1031', '235960']);
    expect(await run('1016-1030')).toEqual(['103059.999999']);
  });

  it('matches integer value lists against an integer column', async () => {
    const NUMBER: QidoKey = { keyword: 'InstanceNumber', tag: '00200013', kind: 'int', column: 'n' };
    const run = async (value: string) => {
      const c = parseQido({ InstanceNumber: value }, [NUMBER]).conditions.get('InstanceNumber')!;
      return (await db.prisma.$queryRaw<{ n: number }[]>`SELECT n FROM (VALUES (1), (2), (10), (NULL::int)) AS v(n) WHERE ${valueSql(Prisma.raw('n'), c)} ORDER BY n`).map((r) => r.n);
    };
    expect(await run('10')).toEqual([10]);
    expect(await run('1\\10\\11')).toEqual([1, 10]);
    expect(await run('+2')).toEqual([2]);
  });
});
