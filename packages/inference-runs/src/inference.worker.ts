// The inference worker: serves the BullMQ "inference" queue in its own process
// (services/inference-worker), apart from the gateway, which only enqueues.
// - InferenceRun claims the row (RUNNING under a run lease, inference.lease.ts: a row another live
//   runner holds is left to it), reads its inputs back (staged de-identified upload or the
//   organization's READY instances), runs the models, stores results and audits in one transaction,
//   then deletes staged inputs and enqueues the webhook. The inference service being down is retried
//   with the catalog's exponential backoff (the row goes back to QUEUED in between); bad input (a
//   model refusing it, an input gone) and a call past INFERENCE_CLIENT_TIMEOUT_MS fail at once;
//   a final failure marks the row FAILED with its errorCode and still cleans up and notifies.
// - InferenceWebhookDeliver re-checks the URL, POSTs the signed result to the checked address and
//   retries 408/429/5xx and unreachable receivers a bounded number of times; once delivered or
//   given up it clears the row's webhookPending mark.
// Idempotent: a re-delivered run finds the row final and only repeats the clean-up and the enqueue
// (deduplicated by jobId), so results are written and audited once and the webhook is sent once per
// completion (at least once if the process dies mid-POST).
// The worker also runs the inference reconciler (inference.reconciler.ts) for the crash windows of
// a submit: rows left without a job and staged inputs left without a row.
import { AuditLog } from '@medgrade/audit';
import { AppError, JOB_CATALOG } from '@medgrade/contracts';
import type { Inference, PrismaClient } from '@medgrade/db';
import { startWorkerApp, UnrecoverableError, type JobContext, type JobProducer, type PayloadOf, type QueueConnection } from '@medgrade/queue';
import type { ObjectStore } from '@medgrade/storage';
import type { InferenceClient } from './inference-service.client.ts';
import { createInferenceReconcileRepository, reconcileInferences, type InferenceReconcileOptions, type InferenceReconcileResult } from './inference.reconciler.ts';
import { claimRun, releaseRun } from './inference.lease.ts';
import { executeInference, finishInference, isFinal, sealedWebhook, toInferenceDto, TRANSIENT_CODES, type RunContext, type RunRef } from './inference.runner.ts';
import { deleteStagedInputs, loadInputs } from './inference.staging.ts';
import { deliverWebhook, openWebhook, WebhookStatusError, type WebhookTarget } from './webhook.delivery.ts';
import type { RunLog } from './run.types.ts';
import { WebhookUrlError, type Resolver } from './webhook.guard.ts';

const INFERENCE_QUEUE = JOB_CATALOG.InferenceRun.queue;
type InferencePayload = PayloadOf<typeof JOB_CATALOG.InferenceRun>;

/** What the worker needs from its environment. */
export interface InferenceWorkerOptions {
  prisma: PrismaClient;
  store: ObjectStore;
  client: InferenceClient;
  queue: QueueConnection;
  /** PROJECT_SECRET_KEY bytes: opens the sealed webhook targets. */
  secretKey: Buffer;
  /** config.secrets.auditAnchorKeyBytes: every audit append re-anchors the chain head. */
  auditAnchorKey: Buffer;
  allowPrivateNetworks: boolean;
  /** Refuse http: webhook URLs (default true; false only on a developer machine). */
  requireHttps?: boolean;
  concurrency: number;
  /** INFERENCE_RUN_LEASE_MS: how long a run holds its row without renewing. */
  runLeaseMs: number;
  log: RunLog;
  webhookTimeoutMs?: number;
  /** DNS for webhook hosts; the system resolver unless a test passes one. */
  resolve?: Resolver;
  /** Inference reconciler (README); absent or intervalMs 0 disables it. */
  reconcile?: InferenceReconcileOptions & { intervalMs: number };
  /** After each reconciler pass this replica ran (counts only). */
  onReconcile?: (result: InferenceReconcileResult) => void;
}

interface JobDeps extends RunContext {
  options: InferenceWorkerOptions;
  jobs: JobProducer<typeof JOB_CATALOG>;
}

function isTransient(error: unknown): boolean {
  // Our own errors say what they are; anything else (Postgres, Redis, the store) is an outage.
  return error instanceof AppError ? TRANSIENT_CODES.has(error.code) : !(error instanceof UnrecoverableError);
}

// Done after the final write, and again on a re-delivery: both steps are safe to repeat.
async function settle(deps: JobDeps, row: Inference, requestId: string): Promise<void> {
  await deleteStagedInputs(deps.options.store, row);
  if (row.webhookPending) await deps.jobs.enqueue('InferenceWebhookDeliver', { inferenceId: row.id, requestId });
}

/** Handler of InferenceRun. */
export function handleInferenceRun(deps: JobDeps) {
  return async (payload: InferencePayload, job: JobContext): Promise<void> => {
    const row = await deps.prisma.inference.findUnique({ where: { id: payload.inferenceId } });
    if (!row) throw new UnrecoverableError('INFERENCE_NOT_FOUND');
    if (isFinal(row)) return settle(deps, row, payload.requestId);
    // A live runner (a ?wait=true request, an earlier delivery of this job) finishes the row
    // itself; if it dies, its lease lapses and the reconciler enqueues the row again.
    if (!(await claimRun(deps, row.id))) return;
    const ref: RunRef = { row, actor: row.createdBy ?? 'system:inference-worker', requestId: payload.requestId };
    let done: Inference;
    try {
      const inputs = await loadInputs(deps.prisma, deps.options.store, row);
      done = await executeInference(deps, { ...ref, inputs }, { retryTransient: !job.lastAttempt });
    } catch (error) {
      if (!job.lastAttempt && isTransient(error)) {
        await releaseRun(deps.prisma, row.id);
        throw error;
      }
      const code = error instanceof AppError ? error.code : 'INTERNAL';
      await settle(deps, await finishInference(deps, ref, [], null, { errorCode: code }), payload.requestId);
      throw job.lastAttempt ? error : new UnrecoverableError(code);
    }
    await settle(deps, done, payload.requestId);
  };
}

/** Handler of InferenceWebhookDeliver. */
export function handleInferenceWebhookDeliver(deps: JobDeps) {
  return async (payload: InferencePayload, job: JobContext): Promise<void> => {
    const row = await deps.prisma.inference.findUnique({ where: { id: payload.inferenceId } });
    if (!row) throw new UnrecoverableError('INFERENCE_NOT_FOUND');
    const sealed = sealedWebhook(row);
    if (!sealed) return;
    if (!isFinal(row)) throw new Error('the inference is not finished yet');
    try {
      await deliver(deps, row, sealed);
    } catch (error) {
      // Given up (refused for good, or out of attempts): nothing is pending any more.
      if (error instanceof UnrecoverableError || job.lastAttempt) await clearWebhookPending(deps.prisma, row.id);
      throw error;
    }
    await clearWebhookPending(deps.prisma, row.id);
  };
}

function clearWebhookPending(prisma: PrismaClient, id: string): Promise<unknown> {
  return prisma.inference.updateMany({ where: { id, webhookPending: true }, data: { webhookPending: false } });
}

// Opens the sealed target and POSTs the signed result; throws UnrecoverableError for refusals no retry changes.
async function deliver(deps: JobDeps, row: Inference, sealed: string): Promise<void> {
  const { options } = deps;
  let target: WebhookTarget;
  try {
    target = openWebhook(options.secretKey, sealed);
  } catch {
    // Sealed under another PROJECT_SECRET_KEY (or altered): no retry will open it.
    throw new UnrecoverableError('WEBHOOK_SECRET_UNREADABLE');
  }
  try {
    await deliverWebhook(target, toInferenceDto(row), { allowPrivateNetworks: options.allowPrivateNetworks, requireHttps: options.requireHttps, timeoutMs: options.webhookTimeoutMs ?? 10_000, resolve: options.resolve });
  } catch (error) {
    if (error instanceof WebhookUrlError && error.reason !== 'unresolved') throw new UnrecoverableError('WEBHOOK_URL_REFUSED');
    if (error instanceof WebhookStatusError && !error.retryable) throw new UnrecoverableError(`WEBHOOK_REFUSED_${error.status}`);
    throw error;
  }
}

/** A running inference worker; close() waits for active jobs, then disconnects. */
export interface InferenceWorker {
  close(): Promise<void>;
}

/** Starts consuming the inference queue. */
export function startInferenceWorker(options: InferenceWorkerOptions): InferenceWorker {
  const settings = options.reconcile;
  return startWorkerApp({
    catalog: JOB_CATALOG, queue: INFERENCE_QUEUE, connection: options.queue, concurrency: options.concurrency,
    setup: (jobs) => {
      const deps: JobDeps = { prisma: options.prisma, client: options.client, auditLog: new AuditLog(options.prisma, { anchorKey: options.auditAnchorKey }), log: options.log, leaseMs: options.runLeaseMs, options, jobs };
      return { handlers: { InferenceRun: handleInferenceRun(deps), InferenceWebhookDeliver: handleInferenceWebhookDeliver(deps) } };
    },
    // Job name, code and message only: payloads, URLs and secrets never reach a log line.
    onError: (job, error) => options.log.warn({ job, code: (error as { code?: string }).code, msg: error.message }, 'inference job attempt failed'),
    loop: settings && {
      lease: 'inference-reconcile',
      intervalMs: settings.intervalMs,
      pass: async (jobs, { queueDataLost }) => {
        if (queueDataLost) options.log.warn('the queue holds no record of earlier work (first start, or Redis restarted empty or was flushed): unfinished inferences and pending webhooks are enqueued again now');
        return reconcileInferences({ repo: createInferenceReconcileRepository(options.prisma), store: options.store, jobs }, { ...settings, ...(queueDataLost ? { rowGraceMs: 0 } : {}) });
      },
      onPass: (result) => {
        options.onReconcile?.(result);
        if (result.requeued > 0 || result.webhooks > 0 || result.stagedDeleted > 0) options.log.info(result, 'inferences reconciled');
      },
      onError: (error) => options.log.warn({ code: (error as { code?: string }).code, msg: error.message }, 'inference reconcile pass failed'),
    },
  });
}
