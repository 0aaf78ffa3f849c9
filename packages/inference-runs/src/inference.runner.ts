// Runs a stored Inference: every model in parallel through the inference service, results
// (model version, per-instance outputs, timings) written back to the row and the completion
// audited in one transaction. A model that fails gets its own error entry; the inference fails
// only when every model failed (a call past INFERENCE_CLIENT_TIMEOUT_MS fails with TIMEOUT). The
// caller holds the row's run lease (inference.lease.ts), renewed here while the models run. The
// final write happens once: a second run of the same inference (a re-delivered job) finds the row
// final and changes nothing. It also marks a webhook pending, in the same write, so a crash before
// the delivery is enqueued cannot lose it (the reconciler enqueues it).
import type { AuditLog } from '@medgrade/audit';
import { AppError, ServiceUnavailableError, type InferenceDto, type ModelInferenceResult } from '@medgrade/contracts';
import type { Inference, Prisma } from '@medgrade/db';
import type { InferenceClient } from './inference-service.client.ts';
import type { ResolvedInputs, ResolvedModel } from './run.types.ts';
import { whileLeased, type LeaseContext } from './inference.lease.ts';

/** Ids and options only (never PHI): what the Inference row's `request` column holds. */
export interface StoredRequest {
  models: ResolvedModel[];
  input: { kind: ResolvedInputs['kind']; instanceIds: (string | null)[] };
  prompt?: string | undefined;
  candidates?: string[] | undefined;
  /** URL and secret sealed with PROJECT_SECRET_KEY (webhook.delivery.ts); rows before it hold a boolean. */
  webhook?: { sealed: string } | boolean;
}

/** Adapters of a run (Prisma, logger and lease length from LeaseContext). */
export interface RunContext extends LeaseContext {
  client: InferenceClient;
  auditLog: AuditLog;
}

/** How a run ends when it has no results to store. */
export interface FinishOptions {
  /** Stored as errorCode when the run failed (default: the first model's error code). */
  errorCode?: string;
  /** False when the caller was told the inference was not accepted: no webhook is sent for it. */
  notify?: boolean;
}

/** Who runs which row, for the audit trail. */
export interface RunRef {
  row: Inference;
  actor: string;
  requestId: string;
}

export interface RunJob extends RunRef {
  inputs: ResolvedInputs;
}

const MAX_INPUTS = 64;
const STATUS = { QUEUED: 'queued', RUNNING: 'running', SUCCEEDED: 'succeeded', FAILED: 'failed' } as const;
/** Errors worth another attempt later: the inference service down, restarting or overloaded. */
export const TRANSIENT_CODES: ReadonlySet<string> = new Set(['SERVICE_UNAVAILABLE']);

export function storedRequest(row: Inference): StoredRequest {
  return row.request as unknown as StoredRequest;
}

/** The sealed webhook target of the row, if it has one. */
export function sealedWebhook(row: Inference): string | undefined {
  const webhook = storedRequest(row).webhook;
  return typeof webhook === 'object' ? webhook.sealed : undefined;
}

export function isFinal(row: Inference): boolean {
  return row.status === 'SUCCEEDED' || row.status === 'FAILED';
}

export function toInferenceDto(row: Inference): InferenceDto {
  return {
    id: row.id, status: STATUS[row.status], models: storedRequest(row).models,
    results: (row.outputs ?? []) as unknown as ModelInferenceResult[],
    timings: (row.timings ?? null) as InferenceDto['timings'],
    createdAt: row.createdAt.toISOString(), completedAt: row.completedAt?.toISOString() ?? null,
  };
}

async function runModel(ctx: RunContext, job: RunJob, model: ResolvedModel, request: StoredRequest): Promise<ModelInferenceResult> {
  const ref = { name: model.name, version: model.version, versionId: model.versionId };
  try {
    // The internal route takes at most MAX_INPUTS instances per call; a large study goes in chunks.
    const instances: ModelInferenceResult['instances'] = [];
    const timings = { loadMs: 0, preprocessMs: 0, inferMs: 0, totalMs: 0 };
    for (let start = 0; start < job.inputs.inputs.length; start += MAX_INPUTS) {
      const inputs = job.inputs.inputs.slice(start, start + MAX_INPUTS);
      const res = await ctx.client.infer({ orgId: job.row.orgId, name: model.name, version: model.version, inputs, prompt: request.prompt, candidates: request.candidates });
      for (const r of res.results) instances.push({ ...r, index: start + r.index, instanceId: job.inputs.instanceIds[start + r.index] ?? null });
      for (const k of Object.keys(timings) as (keyof typeof timings)[]) timings[k] += res.timings[k];
    }
    return { model: ref, instances, timings };
  } catch (e) {
    const error = e instanceof AppError ? { code: e.code, message: e.message } : { code: 'INTERNAL', message: 'Inference failed' };
    if (!(e instanceof AppError)) ctx.log.error({ err: e }, 'inference model run failed');
    return { model: ref, instances: [], error };
  }
}

/**
 * Writes the final state and audits `inference.complete` in one transaction, only when the row is
 * not final yet (the conditional update serializes concurrent runs); returns the row as stored.
 */
export async function finishInference(ctx: Pick<RunContext, 'prisma' | 'auditLog'>, ref: RunRef, results: ModelInferenceResult[], totalMs: number | null, options: FinishOptions = {}): Promise<Inference> {
  const failed = results.length === 0 || results.every((r) => r.error);
  const request = storedRequest(ref.row);
  const { errorCode, notify = true } = options;
  return ctx.prisma.$transaction(async (tx) => {
    const { count } = await tx.inference.updateMany({
      where: { id: ref.row.id, status: { in: ['QUEUED', 'RUNNING'] } },
      data: {
        status: failed ? 'FAILED' : 'SUCCEEDED', outputs: results as unknown as Prisma.InputJsonValue,
        timings: totalMs === null ? undefined : { totalMs }, completedAt: new Date(),
        errorCode: failed ? (errorCode ?? results[0]?.error?.code ?? 'INTERNAL') : null,
        leaseExpiresAt: null, webhookPending: notify && sealedWebhook(ref.row) !== undefined,
      },
    });
    if (count === 1) {
      await ctx.auditLog.append({
        orgId: ref.row.orgId, actor: ref.actor, requestId: ref.requestId, action: 'inference.complete', resourceType: 'inference', resourceId: ref.row.id,
        details: { status: failed ? 'FAILED' : 'SUCCEEDED', models: request.models.map((m) => `${m.name}@${m.version}`), inputKind: request.input.kind, instanceIds: request.input.instanceIds.filter(Boolean) },
      }, tx);
    }
    return tx.inference.findUniqueOrThrow({ where: { id: ref.row.id } });
  });
}

/**
 * Runs every model on a row the caller holds the lease of and stores the outcome. With
 * `retryTransient`, a model that met a transient fault (the inference service down) throws
 * ServiceUnavailableError instead, storing nothing, so the job is tried again later; without it
 * (the last attempt, or `?wait=true`) the fault is stored.
 */
export async function executeInference(ctx: RunContext, job: RunJob, options: { retryTransient: boolean }): Promise<Inference> {
  const started = performance.now();
  const request = storedRequest(job.row);
  const results = await whileLeased(ctx, job.row.id, () => Promise.all(request.models.map((m) => runModel(ctx, job, m, request))));
  if (options.retryTransient && results.some((r) => r.error && TRANSIENT_CODES.has(r.error.code))) {
    throw new ServiceUnavailableError('The inference service is not available: the job retries later');
  }
  return finishInference(ctx, job, results, performance.now() - started);
}
