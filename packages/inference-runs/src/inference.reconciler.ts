// Inference reconciler. An asynchronous submit is three steps (staged de-identified upload →
// QUEUED row → InferenceRun job) and a crash between two of them leaves either a row no job will
// run or staged objects no row points to; a crash after a final write and before its webhook
// delivery is enqueued leaves a webhook no job will send. Each pass repairs all three, for work
// older than a grace period (a submit may still be mid-way):
// - QUEUED/RUNNING rows whose run lease has lapsed (inference.lease.ts: their runner, a ?wait=true
//   request or a job, is gone; a live runner keeps renewing it) and whose job is not live are
//   re-enqueued (jobId `inference-<id>`, so replicas racing here still make one job; a re-run of a
//   row that got final meanwhile changes nothing);
// - finished rows still marked webhookPending get their InferenceWebhookDeliver job (jobId
//   `inference-webhook-<id>`: a no-op where one exists, so a delivery is never doubled here);
// - objects under inference-inputs/ whose inference is missing or final are deleted.
// A pass touches at most batchSize rows of each kind and deletes at most batchSize objects.
// Idempotent: a second pass, or one on another replica, finds nothing more to do.
import { randomUUID } from 'node:crypto';
import type { JOB_CATALOG } from '@medgrade/contracts';
import { Prisma, type PrismaClient } from '@medgrade/db';
import type { JobProducer } from '@medgrade/queue';
import { deleteStaleObjects, inferenceInputId, KEY_ROOTS, type ObjectStore } from '@medgrade/storage';

/** The rows the reconciler reads. */
export interface InferenceReconcileRepository {
  /** Ids of QUEUED/RUNNING inferences created before `before` whose lease has lapsed by `now`, oldest first. */
  stuckInferenceIds(before: Date, now: Date, limit: number): Promise<string[]>;
  /** Ids of finished inferences completed before `before` whose webhook is still pending, oldest first. */
  pendingWebhookIds(before: Date, limit: number): Promise<string[]>;
  /** The subset of ids whose inference exists and is not final (its staged inputs are still needed). */
  unfinishedInferenceIds(ids: string[]): Promise<Set<string>>;
}

/** Adapters of one pass. */
export interface InferenceReconcilerDeps {
  repo: InferenceReconcileRepository;
  store: ObjectStore;
  jobs: Pick<JobProducer<Pick<typeof JOB_CATALOG, 'InferenceRun' | 'InferenceWebhookDeliver'>>, 'requeueMany' | 'enqueueMany'>;
  now?: () => Date;
}

/** Limits of one pass. */
export interface InferenceReconcileOptions {
  graceMs: number;
  /** Grace of stuck rows and pending webhooks when it differs from the staged objects' (0 once Redis lost every queued job). */
  rowGraceMs?: number | undefined;
  batchSize: number;
}

/** What one pass did (counts only: never ids or keys). */
export interface InferenceReconcileResult {
  requeued: number;
  /** Pending webhooks whose delivery job was enqueued (or found already there). */
  webhooks: number;
  stagedDeleted: number;
}

/**
 * The stuck-row scan, served by the partial index "Inference_inflight_createdAt_idx" (only
 * QUEUED/RUNNING rows, in createdAt order). The statuses are literals, not parameters, so the
 * planner can always prove the index predicate, even for a cached generic plan. A row under a live
 * lease is being run: it is skipped (not counted against the limit).
 */
export function stuckInferencesSql(before: Date, now: Date, limit: number): Prisma.Sql {
  return Prisma.sql`
    SELECT "id"::text AS "id" FROM "Inference"
    WHERE "status" IN ('QUEUED', 'RUNNING') AND "createdAt" < ${before}::timestamptz
      AND ("leaseExpiresAt" IS NULL OR "leaseExpiresAt" <= ${now}::timestamptz)
    ORDER BY "createdAt" ASC
    LIMIT ${limit}::int`;
}

/** The pending-webhook scan, served by the partial index "Inference_webhook_pending_completedAt_idx". */
export function pendingWebhooksSql(before: Date, limit: number): Prisma.Sql {
  return Prisma.sql`
    SELECT "id"::text AS "id" FROM "Inference"
    WHERE "webhookPending" AND "completedAt" < ${before}::timestamptz
    ORDER BY "completedAt" ASC
    LIMIT ${limit}::int`;
}

/** The Prisma implementation of InferenceReconcileRepository. */
export function createInferenceReconcileRepository(prisma: PrismaClient): InferenceReconcileRepository {
  return {
    async stuckInferenceIds(before, now, limit) {
      const rows = await prisma.$queryRaw<{ id: string }[]>(stuckInferencesSql(before, now, limit));
      return rows.map((r) => r.id);
    },
    async pendingWebhookIds(before, limit) {
      const rows = await prisma.$queryRaw<{ id: string }[]>(pendingWebhooksSql(before, limit));
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
  const now = deps.now?.() ?? new Date();
  const cutoff = new Date(now.getTime() - options.graceMs);
  const rowCutoff = new Date(now.getTime() - (options.rowGraceMs ?? options.graceMs));
  const requestId = `reconcile-${randomUUID()}`;
  const requeued = await requeueStuck(deps, { cutoff: rowCutoff, now, requestId }, options.batchSize);
  const webhooks = await enqueuePendingWebhooks(deps, { cutoff: rowCutoff, requestId }, options.batchSize);
  const stagedDeleted = await deleteOrphans(deps, cutoff, options.batchSize);
  return { requeued, webhooks, stagedDeleted };
}

async function requeueStuck(deps: InferenceReconcilerDeps, pass: { cutoff: Date; now: Date; requestId: string }, limit: number): Promise<number> {
  const ids = await deps.repo.stuckInferenceIds(pass.cutoff, pass.now, limit);
  if (ids.length === 0) return 0;
  return deps.jobs.requeueMany('InferenceRun', ids.map((inferenceId) => ({ requestId: pass.requestId, inferenceId })));
}

// A plain enqueue, not a requeue: an existing delivery job (live, or finished and kept for an
// hour) keeps its id, so a webhook that was delivered meanwhile is not sent twice.
async function enqueuePendingWebhooks(deps: InferenceReconcilerDeps, pass: { cutoff: Date; requestId: string }, limit: number): Promise<number> {
  const ids = await deps.repo.pendingWebhookIds(pass.cutoff, limit);
  await deps.jobs.enqueueMany('InferenceWebhookDeliver', ids.map((inferenceId) => ({ requestId: pass.requestId, inferenceId })));
  return ids.length;
}

// An object older than the grace period cannot gain a row any more: submit inserts the row right after staging the upload.
function deleteOrphans(deps: InferenceReconcilerDeps, cutoff: Date, limit: number): Promise<number> {
  return deleteStaleObjects(deps.store, { prefix: KEY_ROOTS.inferenceInputs, ownerOf: inferenceInputId, cutoff, limit, keep: (ids) => deps.repo.unfinishedInferenceIds(ids) });
}
