// De-identified studies. Every read takes the caller's tenant scope and ANDs it (withinTenant),
// so a filter can narrow what a key sees but never widen it; erasure works on a study `ref` found so.
import type { Prisma, PrismaClient, Series, Study } from '../generated/prisma/client.ts';
import { withinTenant, type TenantScope } from '../tenant.scope.ts';
import type { InTransaction } from './project.repository.ts';

type Db = PrismaClient | Prisma.TransactionClient;

/** A study as `ref` finds it: what erasure needs. */
export interface StudyRef {
  id: string;
  projectId: string;
  studyInstanceUid: string;
}

/** The study's Instance rows: ids, object keys (de-identified and quarantined) and how many are still being ingested. */
export interface StudyRows {
  ids: string[];
  keys: string[];
  inFlight: number;
}

/** How an erasure ended: done, or refused before anything was removed (the caller says why). */
export type StudyErasure =
  | { outcome: 'erased'; instances: number; series: number }
  | { outcome: 'gone' }
  | { outcome: 'in-flight'; count: number }
  | { outcome: 'changed' };

const IN_FLIGHT: ReadonlySet<string> = new Set(['RECEIVED', 'DEIDENTIFYING']);

/** Instance rows of the study: by its de-identified UID in its project, or by one of its series. */
function studyInstances(t: StudyRef): Prisma.InstanceWhereInput {
  return { projectId: t.projectId, OR: [{ studyInstanceUid: t.studyInstanceUid }, { series: { studyId: t.id } }] };
}

// One read of the study's rows serves both the in-flight check and the object keys.
async function rowsOf(db: Db, t: StudyRef): Promise<StudyRows> {
  const rows = await db.instance.findMany({ where: studyInstances(t), select: { id: true, status: true, objectKey: true, quarantineKey: true } });
  return {
    ids: rows.map((r) => r.id), keys: rows.flatMap((r) => [r.objectKey, r.quarantineKey].filter((k): k is string => !!k)),
    inFlight: rows.filter((r) => IN_FLIGHT.has(r.status)).length,
  };
}

const SERIES_ORDER: Prisma.SeriesOrderByWithRelationInput[] = [{ seriesNumber: { sort: 'asc', nulls: 'last' } }, { seriesInstanceUid: 'asc' }];

/** Studies of the scope. */
export class StudyRepository {
  readonly #prisma: PrismaClient;

  constructor(prisma: PrismaClient) {
    this.#prisma = prisma;
  }

  /** Studies of the scope matching `where`, in `orderBy`, at most `take`. */
  find(scope: TenantScope, args: { where: Prisma.StudyWhereInput; orderBy: Prisma.StudyOrderByWithRelationInput[]; take: number }): Promise<Study[]> {
    return this.#prisma.study.findMany({ where: withinTenant(scope, args.where), orderBy: args.orderBy, take: args.take });
  }

  /** A study of the scope with its series (by number, then UID), or null. */
  withSeries(scope: TenantScope, id: string): Promise<(Study & { series: Series[] }) | null> {
    return this.#prisma.study.findFirst({ where: withinTenant(scope, { id }), include: { series: { orderBy: SERIES_ORDER } } });
  }

  /** The identity of a study of the scope (for deletion), or null. */
  ref(scope: TenantScope, id: string): Promise<StudyRef | null> {
    return this.#prisma.study.findFirst({ where: withinTenant(scope, { id }), select: { id: true, projectId: true, studyInstanceUid: true } });
  }

  /** The study's Instance rows (READY and its REJECTED/FAILED tries), read before its objects are erased. */
  rows(t: StudyRef): Promise<StudyRows> {
    return rowsOf(this.#prisma, t);
  }

  /**
   * Removes the study's Instance, Series and Study rows in one transaction with the caller's
   * `record` (its audit event), provided they are still the rows in `erased` (whose objects the
   * caller deleted). The Study row is locked FOR UPDATE, which waits for a deid-worker commit
   * holding it (its new series and instances take KEY SHARE locks on it) and makes a concurrent
   * erasure of the same study find nothing afterwards ('gone'). Rows that appeared since, or are
   * being ingested, leave everything in place ('changed', 'in-flight').
   */
  erase(t: StudyRef, erased: ReadonlySet<string>, record: InTransaction<{ instances: number; series: number }>): Promise<StudyErasure> {
    return this.#prisma.$transaction(async (tx): Promise<StudyErasure> => {
      const locked = await tx.$queryRaw<{ id: string }[]>`SELECT "id"::text AS "id" FROM "Study" WHERE "id" = ${t.id}::uuid FOR UPDATE`;
      if (locked.length === 0) return { outcome: 'gone' };
      const { ids, inFlight } = await rowsOf(tx, t);
      if (inFlight > 0) return { outcome: 'in-flight', count: inFlight };
      if (ids.some((id) => !erased.has(id))) return { outcome: 'changed' };
      const instances = await tx.instance.deleteMany({ where: { id: { in: ids } } });
      const series = await tx.series.deleteMany({ where: { studyId: t.id } });
      await tx.study.delete({ where: { id: t.id } });
      const counts = { instances: instances.count, series: series.count };
      await record(tx, counts);
      return { outcome: 'erased', ...counts };
    }, { timeout: 30_000 });
  }
}
