// Ingest reconciler. Gateway intake is three steps (raw object → RECEIVED row → job) and a crash
// between two of them leaves either a row no job will process or a raw object (PHI) no row points
// to. Each pass repairs both, for work older than a grace period (intake may still be mid-way):
// rows still RECEIVED/DEIDENTIFYING whose job is not live are re-enqueued (jobId `instance-<id>`,
// so replicas racing here still make one job), and quarantine objects whose instance has no row
// are deleted. A pass touches at most batchSize rows and deletes at most batchSize objects.
// Idempotent: a second pass, or one on another replica, finds nothing more to do.
import { randomUUID } from 'node:crypto';
import type { JOB_CATALOG } from '@medgrade/contracts';
import { Prisma, type PrismaClient } from '@medgrade/db';
import type { JobProducer } from '@medgrade/queue';
import { deleteStaleObjects, KEY_ROOTS, quarantineInstanceId, type ObjectStore } from '@medgrade/storage';
import { DEID_FAILED } from './retention.sweep.ts';

/** The rows the reconciler reads. */
export interface ReconcileRepository {
  /** Ids of RECEIVED/DEIDENTIFYING rows last changed before `before`, oldest first. */
  stuckInstanceIds(before: Date, limit: number): Promise<string[]>;
  /** The subset of ids that have an Instance row. */
  existingInstanceIds(ids: string[]): Promise<Set<string>>;
  /**
   * Counts each DEIDENTIFYING row among ids as one retry (a run that died: worker crash or a job
   * stalled past BullMQ's limit); one already at retryLimit ends FAILED DEID_FAILED instead, and
   * its id is returned (not to be re-enqueued; the retention sweep deletes its raw object).
   */
  chargeCrashes(ids: string[], retryLimit: number): Promise<Set<string>>;
}

/** Adapters of one pass. */
export interface ReconcilerDeps {
  repo: ReconcileRepository;
  store: ObjectStore;
  jobs: Pick<JobProducer<Pick<typeof JOB_CATALOG, 'InstanceDeidentify'>>, 'requeueMany' | 'areLive'>;
  now?: () => Date;
}

/** Limits of one pass. */
export interface ReconcileOptions {
  graceMs: number;
  /**
   * Grace of stuck rows when it differs from the objects' (0 once Redis lost every queued job: a row
   * whose enqueue is still on its way is harmless to requeue, jobs are deduplicated by id; an
   * object without a row is not, its row may be on its way).
   */
  rowGraceMs?: number | undefined;
  batchSize: number;
  /** Runs that died (DEIDENTIFYING rows) counted as retries up to this many (config retention.retryLimit); absent: not counted. */
  retryLimit?: number | undefined;
}

/** What one pass did (counts only: never keys or DICOM values). */
export interface ReconcileResult {
  requeued: number;
  orphansDeleted: number;
}

/**
 * The stuck-row scan, served by the partial index "Instance_inflight_updatedAt_idx" (only
 * RECEIVED/DEIDENTIFYING rows, in updatedAt order). The statuses are literals, not parameters, so
 * the planner can always prove the index predicate, even for a cached generic plan.
 */
export function stuckInstancesSql(before: Date, limit: number): Prisma.Sql {
  return Prisma.sql`
    SELECT "id"::text AS "id" FROM "Instance"
    WHERE "status" IN ('RECEIVED', 'DEIDENTIFYING') AND "updatedAt" < ${before}::timestamptz
    ORDER BY "updatedAt" ASC
    LIMIT ${limit}::int`;
}

/** The Prisma implementation of ReconcileRepository. */
export function createReconcileRepository(prisma: PrismaClient): ReconcileRepository {
  return {
    async stuckInstanceIds(before, limit) {
      const rows = await prisma.$queryRaw<{ id: string }[]>(stuckInstancesSql(before, limit));
      return rows.map((r) => r.id);
    },
    async existingInstanceIds(ids) {
      if (ids.length === 0) return new Set();
      const rows = await prisma.instance.findMany({ where: { id: { in: ids } }, select: { id: true } });
      return new Set(rows.map((r) => r.id));
    },
    // updatedAt moves too: the re-enqueued run gets a whole grace period before it counts as stuck.
    async chargeCrashes(ids, retryLimit) {
      if (ids.length === 0) return new Set();
      const failed = await prisma.$queryRaw<{ id: string }[]>`
        WITH failed AS (
          UPDATE "Instance" SET "status" = 'FAILED', "errorCode" = ${DEID_FAILED}, "updatedAt" = now()
          WHERE "id" = ANY(${ids}::uuid[]) AND "status" = 'DEIDENTIFYING' AND "retryCount" >= ${retryLimit}::int
          RETURNING "id"),
        counted AS (
          UPDATE "Instance" SET "retryCount" = "retryCount" + 1, "updatedAt" = now()
          WHERE "id" = ANY(${ids}::uuid[]) AND "status" = 'DEIDENTIFYING' AND "retryCount" < ${retryLimit}::int
          RETURNING "id")
        SELECT "id"::text AS "id" FROM failed`;
      return new Set(failed.map((r) => r.id));
    },
  };
}

/** One reconciliation pass. */
export async function reconcileIngest(deps: ReconcilerDeps, options: ReconcileOptions): Promise<ReconcileResult> {
  const now = (deps.now?.() ?? new Date()).getTime();
  const cutoff = new Date(now - options.graceMs);
  const requeued = await requeueStuck(deps, new Date(now - (options.rowGraceMs ?? options.graceMs)), options.batchSize, options.retryLimit);
  const orphansDeleted = await deleteOrphans(deps, cutoff, options.batchSize);
  return { requeued, orphansDeleted };
}

// A poison instance that kills the worker each time would otherwise be re-enqueued forever,
// keeping its raw object (PHI): each recovery of a DEIDENTIFYING row counts as a retry.
async function requeueStuck(deps: ReconcilerDeps, cutoff: Date, limit: number, retryLimit: number | undefined): Promise<number> {
  const requestId = `reconcile-${randomUUID()}`;
  const payloads = (ids: string[]) => ids.map((instanceId) => ({ requestId, instanceId }));
  let ids = await deps.repo.stuckInstanceIds(cutoff, limit);
  if (ids.length > 0 && retryLimit !== undefined) {
    // Only rows whose job is gone died; one still queued (a backoff, a backlog) is left alone.
    const live = await deps.jobs.areLive('InstanceDeidentify', payloads(ids));
    ids = ids.filter((_, i) => !live[i]);
    const failed = await deps.repo.chargeCrashes(ids, retryLimit);
    ids = ids.filter((id) => !failed.has(id));
  }
  if (ids.length === 0) return 0;
  return deps.jobs.requeueMany('InstanceDeidentify', payloads(ids));
}

// An object older than the grace period cannot gain a row any more: intake inserts the row right after storing the object.
function deleteOrphans(deps: ReconcilerDeps, cutoff: Date, limit: number): Promise<number> {
  return deleteStaleObjects(deps.store, { prefix: KEY_ROOTS.quarantine, ownerOf: quarantineInstanceId, cutoff, limit, keep: (ids) => deps.repo.existingInstanceIds(ids) });
}
