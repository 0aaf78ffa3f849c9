// Inference reconciler. An asynchronous submit is three steps (staged de-identified upload →
// QUEUED row → InferenceRun job) and a crash between two of them leaves either a row no job will
// run or staged objects no row points to. Each pass repairs both, for work older than a grace
// period (a submit may still be mid-way, a ?wait=true run, which has no job, still going):
// QUEUED/RUNNING rows whose job is not live are re-enqueued (jobId `inference-<id>`, so replicas
// racing here still make one job; a re-run of a row that got final meanwhile changes nothing), and
// objects under inference-inputs/ whose inference is missing or final are deleted. A pass touches
// at most batchSize rows and deletes at most batchSize objects. Idempotent: a second pass, or one
// on another replica, finds nothing more to do.
import { randomUUID } from 'node:crypto';
import type { JOB_CATALOG } from '@medgrade/contracts';
import { Prisma, type PrismaClient } from '@medgrade/db';
import type { JobProducer } from '@medgrade/queue';
import { deleteStaleObjects, type ObjectStore } from '@medgrade/storage';
import { STAGING_ROOT, stagedInferenceId } from './inference.staging.ts';

/** The rows the reconciler reads. */
export interface InferenceReconcileRepository {
  /** Ids of QUEUED/RUNNING inferences created before `before`, oldest first. */
  stuckInferenceIds(before: Date, limit: number): Promise<string[]>;
  /** The subset of ids whose inference exists and is not final (its staged inputs are still needed). */
  unfinishedInferenceIds(ids: string[]): Promise<Set<string>>;
}

/** Adapters of one pass. */
export interface InferenceReconcilerDeps {
  repo: InferenceReconcileRepository;
  store: ObjectStore;
  jobs: Pick<JobProducer<Pick<typeof JOB_CATALOG, 'InferenceRun'>>, 'requeueMany'>;
  now?: () => Date;
}

/** Limits of one pass. */
export interface InferenceReconcileOptions {
  graceMs: number;
  batchSize: number;
}

/** What one pass did (counts only: never ids or keys). */
export interface InferenceReconcileResult {
  requeued: number;
  stagedDeleted: number;
}

/**
 * The stuck-row scan, served by the partial index "Inference_inflight_createdAt_idx" (only
 * QUEUED/RUNNING rows, in createdAt order). The statuses are literals, not parameters, so the
 * planner can always prove the index predicate, even for a cached generic plan.
 */
export function stuckInferencesSql(before: Date, limit: number): Prisma.Sql {
  return Prisma.sql`
    SELECT "id"::text AS "id" FROM "Inference"
    WHERE "status" IN ('QUEUED', 'RUNNING') AND "createdAt" < ${before}::timestamptz
    ORDER BY "createdAt" ASC
    LIMIT ${limit}::int`;
}

/** The Prisma implementation of InferenceReconcileRepository. */
export function createInferenceReconcileRepository(prisma: PrismaClient): InferenceReconcileRepository {
  return {
    async stuckInferenceIds(before, limit) {
      const rows = await prisma.$queryRaw<{ id: string }[]>(stuckInferencesSql(before, limit));
      return rows.map((r) => r.id);
    },
    async unfinishedInferenceIds(ids) {
      if (ids.length === 0) return new Set();
      const rows = await prisma.inference.findMany({ where: { id: { in: ids }, status: { in: ['QUEUED', 'RUNNING'] } }, select: { id: true } });
      return new Set(rows.map((r) => r.id));
    },
  };
}

/** One reconciliation pass. */
export async function reconcileInferences(deps: InferenceReconcilerDeps, options: InferenceReconcileOptions): Promise<InferenceReconcileResult> {
  const cutoff = new Date((deps.now?.() ?? new Date()).getTime() - options.graceMs);
  const requeued = await requeueStuck(deps, cutoff, options.batchSize);
  const stagedDeleted = await deleteOrphans(deps, cutoff, options.batchSize);
  return { requeued, stagedDeleted };
}

async function requeueStuck(deps: InferenceReconcilerDeps, cutoff: Date, limit: number): Promise<number> {
  const ids = await deps.repo.stuckInferenceIds(cutoff, limit);
  if (ids.length === 0) return 0;
  const requestId = `reconcile-${randomUUID()}`;
  return deps.jobs.requeueMany('InferenceRun', ids.map((inferenceId) => ({ requestId, inferenceId })));
}

// An object older than the grace period cannot gain a row any more: submit inserts the row right after staging the upload.
function deleteOrphans(deps: InferenceReconcilerDeps, cutoff: Date, limit: number): Promise<number> {
  return deleteStaleObjects(deps.store, { prefix: STAGING_ROOT, ownerOf: stagedInferenceId, cutoff, limit, keep: (ids) => deps.repo.unfinishedInferenceIds(ids) });
}
