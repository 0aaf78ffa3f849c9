// QIDO-RS searches over the de-identified index. Each search is one SQL statement that picks the
// page of ids (the tenant terms of tenantSql ANDed with the parsed matching of qido.sql.ts), then
// the rows are read by id and put back in that order. Every method takes the caller's tenant scope:
// a study, series or instance of another project or organization is never matched.
import { Prisma, type Instance, type PrismaClient, type Series, type Study } from '../generated/prisma/client.ts';
import { conditionsSql, type Condition, type QidoKey } from '../qido.sql.ts';
import { tenantSql, withinTenant, type TenantScope } from '../tenant.scope.ts';

/** A level's parsed matching: the keys it searches and the condition per keyword. */
export interface QidoFilter {
  keys: readonly QidoKey[];
  conditions: Map<string, Condition>;
}

/** One page of results. */
export interface QidoPage {
  limit: number;
  offset: number;
}

const and = (parts: Prisma.Sql[]) => Prisma.join(parts, ' AND ');
const READY = Prisma.sql`i."status" = 'READY'`;

/** Rows fetched by id, put back in the order of `ids` (the order the search chose). */
function inOrder<T extends { id: string }>(ids: string[], rows: T[]): T[] {
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/** QIDO searches of the scope. */
export class QidoRepository {
  readonly #prisma: PrismaClient;

  constructor(prisma: PrismaClient) {
    this.#prisma = prisma;
  }

  /** Whether the scope holds a study with this (de-identified) Study Instance UID. */
  async studyExists(scope: TenantScope, studyInstanceUid: string): Promise<boolean> {
    return (await this.#prisma.study.findFirst({ where: withinTenant(scope, { studyInstanceUid }), select: { id: true } })) !== null;
  }

  /** The ids of the scope's series with these UIDs (one per project that holds them). */
  async seriesIds(scope: TenantScope, studyInstanceUid: string, seriesInstanceUid: string): Promise<string[]> {
    const found = await this.#prisma.series.findMany({ where: withinTenant(scope, { seriesInstanceUid, study: { studyInstanceUid } }), select: { id: true } });
    return found.map((f) => f.id);
  }

  /** Studies, in the order they were indexed. */
  async studies(scope: TenantScope, filter: QidoFilter, page: QidoPage): Promise<Study[]> {
    const where = [...tenantSql('s', scope), ...conditionsSql('s', filter.keys, filter.conditions)];
    const ids = await this.#ids(Prisma.sql`
      SELECT s."id"::text AS "id" FROM "Study" s WHERE ${and(where)}
      ORDER BY s."createdAt", s."id" LIMIT ${page.limit}::int OFFSET ${page.offset}::int`);
    return inOrder(ids, await this.#prisma.study.findMany({ where: { id: { in: ids } } }));
  }

  /** The series of one study, by SeriesNumber (series without one last). */
  async seriesOfStudy(scope: TenantScope, studyInstanceUid: string, filter: QidoFilter, page: QidoPage): Promise<Series[]> {
    const where = [...tenantSql('se', scope), Prisma.sql`st."studyInstanceUid" = ${studyInstanceUid}`, ...conditionsSql('se', filter.keys, filter.conditions)];
    const ids = await this.#ids(Prisma.sql`
      SELECT se."id"::text AS "id" FROM "Series" se JOIN "Study" st ON st."id" = se."studyId" WHERE ${and(where)}
      ORDER BY se."seriesNumber" NULLS LAST, se."createdAt", se."id" LIMIT ${page.limit}::int OFFSET ${page.offset}::int`);
    return inOrder(ids, await this.#prisma.series.findMany({ where: { id: { in: ids } } }));
  }

  /** All series with their study's UID, in the order they were indexed; `studyKeys` match on the study row. */
  async series(scope: TenantScope, filter: QidoFilter & { studyKeys: readonly QidoKey[] }, page: QidoPage): Promise<(Series & { study: { studyInstanceUid: string } })[]> {
    const where = [...tenantSql('se', scope), ...conditionsSql('st', filter.studyKeys, filter.conditions), ...conditionsSql('se', filter.keys, filter.conditions)];
    const ids = await this.#ids(Prisma.sql`
      SELECT se."id"::text AS "id" FROM "Series" se JOIN "Study" st ON st."id" = se."studyId" WHERE ${and(where)}
      ORDER BY se."createdAt", se."id" LIMIT ${page.limit}::int OFFSET ${page.offset}::int`);
    return inOrder(ids, await this.#prisma.series.findMany({ where: { id: { in: ids } }, include: { study: { select: { studyInstanceUid: true } } } }));
  }

  /**
   * READY instances of the given series rows (from seriesIds), by the series rows (the seriesId
   * index), not the UID columns. The live-SOP index (Instance_live_sop_key) holds one READY row
   * per SOP Instance UID in a project, so no de-duplication.
   */
  async instancesOfSeries(scope: TenantScope, seriesIds: string[], filter: QidoFilter, page: QidoPage): Promise<Instance[]> {
    return this.#instances([...tenantSql('i', scope), READY, Prisma.sql`i."seriesId" = ANY(${seriesIds}::uuid[])`, ...conditionsSql('i', filter.keys, filter.conditions)], page);
  }

  /** READY instances of the scope, or of one study when `studyInstanceUid` is given. */
  async instances(scope: TenantScope, filter: QidoFilter, page: QidoPage, studyInstanceUid?: string): Promise<Instance[]> {
    const study = studyInstanceUid === undefined ? [] : [Prisma.sql`i."studyInstanceUid" = ${studyInstanceUid}`];
    return this.#instances([...tenantSql('i', scope), READY, ...study, ...conditionsSql('i', filter.keys, filter.conditions)], page);
  }

  // Viewers page through a series in InstanceNumber order; the id makes every page stable.
  async #instances(where: Prisma.Sql[], page: QidoPage): Promise<Instance[]> {
    const ids = await this.#ids(Prisma.sql`
      SELECT i."id"::text AS "id" FROM "Instance" i WHERE ${and(where)}
      ORDER BY i."instanceNumber" NULLS LAST, i."sopInstanceUid", i."id" LIMIT ${page.limit}::int OFFSET ${page.offset}::int`);
    return inOrder(ids, await this.#prisma.instance.findMany({ where: { id: { in: ids } } }));
  }

  async #ids(query: Prisma.Sql): Promise<string[]> {
    return (await this.#prisma.$queryRaw<{ id: string }[]>(query)).map((r) => r.id);
  }
}
