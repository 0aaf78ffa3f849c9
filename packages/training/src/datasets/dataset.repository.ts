// Datasets, labels and snapshots in Postgres. Every query is scoped by the caller's organization
// (and project, for a project key): a row of another tenant is simply not found.
import { BadRequestError, ConflictError, NotFoundError } from '@medgrade/contracts';
import { Prisma, projectInScope, withinTenant, type Dataset, type DatasetSnapshot, type PrismaClient, type TenantScope } from '@medgrade/db';
import type { MatchableStudy, ResolvedLabel } from './labels.rows.ts';
import type { SnapshotSource } from './snapshot.build.ts';

export type { TenantScope };

export type Tx = Prisma.TransactionClient;

export type DatasetWithCount = Dataset & { labelCount: number };

/** Keyset cursor over (createdAt DESC, id DESC): `<ISO time>_<id>`. */
export function encodeCursor(row: { createdAt: Date; id: string }): string {
  return `${row.createdAt.toISOString()}_${row.id}`;
}

const CURSOR = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)_([0-9a-f-]{36})$/;

function afterCursor(cursor: string | undefined): Prisma.DatasetWhereInput & Prisma.DatasetSnapshotWhereInput {
  if (!cursor) return {};
  const m = CURSOR.exec(cursor);
  if (!m) throw new BadRequestError('cursor is not a nextCursor of this list: pass the nextCursor of the previous page');
  const at = new Date(m[1]!);
  return { OR: [{ createdAt: { lt: at } }, { createdAt: at, id: { lt: m[2]! } }] };
}

function page<T extends { createdAt: Date; id: string }>(rows: T[], limit: number): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? encodeCursor(items.at(-1)!) : null };
}

export class DatasetRepository {
  readonly #prisma: PrismaClient;
  constructor(prisma: PrismaClient) {
    this.#prisma = prisma;
  }

  async create(data: { orgId: string; projectId: string; name: string; task: string; createdBy: string | null }, tx: Tx): Promise<Dataset> {
    return tx.dataset.create({ data }).catch((error: unknown) => {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') throw new ConflictError('The project already has a dataset with this name: choose another name');
      throw error;
    });
  }

  async projectOf(scope: TenantScope, projectId: string): Promise<{ id: string } | null> {
    if (!projectInScope(scope, projectId)) return null;
    return this.#prisma.project.findFirst({ where: { id: projectId, orgId: scope.orgId }, select: { id: true } });
  }

  async list(scope: TenantScope, limit: number, cursor?: string): Promise<{ items: DatasetWithCount[]; nextCursor: string | null }> {
    const rows = await this.#prisma.dataset.findMany({
      where: withinTenant(scope, afterCursor(cursor)),
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: limit + 1,
      include: { _count: { select: { labels: true } } },
    });
    const { items, nextCursor } = page(rows, limit);
    return { items: items.map(({ _count, ...d }) => ({ ...d, labelCount: _count.labels })), nextCursor };
  }

  /** The dataset, or NotFoundError (also for another tenant's id). */
  async get(scope: TenantScope, id: string): Promise<DatasetWithCount> {
    const row = await this.#prisma.dataset.findFirst({ where: withinTenant(scope, { id }), include: { _count: { select: { labels: true } } } });
    if (!row) throw new NotFoundError('Dataset');
    const { _count, ...d } = row;
    return { ...d, labelCount: _count.labels };
  }

  /** De-identified studies of the project with any of these StudyInstanceUIDs. */
  async studiesByUid(projectId: string, uids: string[]): Promise<MatchableStudy[]> {
    if (uids.length === 0) return [];
    return this.#prisma.study.findMany({ where: { projectId, studyInstanceUid: { in: uids } }, select: { id: true, studyInstanceUid: true, patientSurrogateId: true } });
  }

  /** Replaces the labels of these studies in the dataset; returns how many existed before. */
  async replaceLabels(dataset: Dataset, labels: ResolvedLabel[], tx: Tx): Promise<number> {
    const studyIds = labels.map((l) => l.studyId);
    const { count } = await tx.datasetLabel.deleteMany({ where: { datasetId: dataset.id, studyId: { in: studyIds } } });
    await tx.datasetLabel.createMany({
      data: labels.map((l) => ({ orgId: dataset.orgId, projectId: dataset.projectId, datasetId: dataset.id, studyId: l.studyId, labels: l.labels, report: l.report, site: l.site })),
    });
    await tx.dataset.update({ where: { id: dataset.id }, data: { updatedAt: new Date() } });
    return count;
  }

  /**
   * Every labelled study with its image: the READY instance with pixels that comes first by
   * (SeriesNumber, SeriesInstanceUID, InstanceNumber, SOPInstanceUID), nulls last; and whether
   * any READY instance of the study is flagged for burned-in text.
   */
  async snapshotSources(dataset: Dataset): Promise<SnapshotSource[]> {
    return this.#prisma.$queryRaw<SnapshotSource[]>`
      SELECT l."studyId", s."patientSurrogateId", s."patientSex" AS sex, s."patientAgeBand" AS "ageBand", l.site, l.labels, l.report,
        (SELECT i."objectKey" FROM "Instance" i JOIN "Series" se ON se.id = i."seriesId"
          WHERE se."studyId" = s.id AND i.status = 'READY' AND i."objectKey" IS NOT NULL AND i.rows IS NOT NULL AND NOT i."burnedInFlag"
          ORDER BY se."seriesNumber" NULLS LAST, se."seriesInstanceUid", i."instanceNumber" NULLS LAST, i."sopInstanceUid" LIMIT 1) AS "imageKey",
        EXISTS (SELECT 1 FROM "Instance" i JOIN "Series" se ON se.id = i."seriesId"
          WHERE se."studyId" = s.id AND i.status = 'READY' AND i."burnedInFlag") AS "burnedIn"
      FROM "DatasetLabel" l JOIN "Study" s ON s.id = l."studyId"
      WHERE l."datasetId" = ${dataset.id}::uuid AND l."orgId" = ${dataset.orgId}::uuid`;
  }

  async insertSnapshot(data: Prisma.DatasetSnapshotUncheckedCreateInput, tx: Tx): Promise<DatasetSnapshot> {
    return tx.datasetSnapshot.create({ data });
  }

  async snapshots(dataset: Dataset, limit: number, cursor?: string): Promise<{ items: DatasetSnapshot[]; nextCursor: string | null }> {
    const rows = await this.#prisma.datasetSnapshot.findMany({
      where: { datasetId: dataset.id, orgId: dataset.orgId, ...afterCursor(cursor) },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: limit + 1,
    });
    return page(rows, limit);
  }

  async snapshot(dataset: Dataset, id: string): Promise<DatasetSnapshot> {
    const row = await this.#prisma.datasetSnapshot.findFirst({ where: { id, datasetId: dataset.id, orgId: dataset.orgId } });
    if (!row) throw new NotFoundError('Snapshot');
    return row;
  }

  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.#prisma.$transaction(fn, { timeout: 60_000 });
  }
}
