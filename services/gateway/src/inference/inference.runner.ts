// Runs a stored Inference: every model in parallel through the inference service, results
// (model version, per-instance outputs, timings) written back to the row, completion audited,
// then the optional webhook called with an HMAC-SHA256 signed body. A model that fails gets its
// own error entry; the inference fails only when every model failed.
import { createHmac } from 'node:crypto';
import type { AuditLog } from '@medgrade/audit';
import { AppError, type InferenceDto, type ModelInferenceResult } from '@medgrade/contracts';
import type { Inference, Prisma, PrismaClient } from '@medgrade/db';
import type { FastifyBaseLogger } from 'fastify';
import type { InferenceClient } from './inference.client.ts';
import type { ResolvedInputs, ResolvedModel } from './inference.inputs.ts';

/** Ids and options only (never PHI): what the Inference row's `request` column holds. */
export interface StoredRequest {
  models: ResolvedModel[];
  input: { kind: ResolvedInputs['kind']; instanceIds: (string | null)[] };
  prompt?: string | undefined;
  candidates?: string[] | undefined;
  webhook?: boolean;
}

export interface RunContext {
  prisma: PrismaClient;
  client: InferenceClient;
  auditLog: AuditLog;
  log: FastifyBaseLogger;
}

export interface RunJob {
  row: Inference;
  actor: string;
  requestId: string;
  inputs: ResolvedInputs;
  webhook?: { url: string; secret: string } | undefined;
}

const MAX_INPUTS = 64;
const STATUS = { QUEUED: 'queued', RUNNING: 'running', SUCCEEDED: 'succeeded', FAILED: 'failed' } as const;

export function toInferenceDto(row: Inference): InferenceDto {
  const request = row.request as unknown as StoredRequest;
  return {
    id: row.id, status: STATUS[row.status], models: request.models,
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

async function callWebhook(ctx: RunContext, url: string, secret: string, dto: InferenceDto): Promise<void> {
  const body = JSON.stringify(dto);
  const signature = createHmac('sha256', secret).update(body).digest('hex');
  try {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-medgrade-signature': `sha256=${signature}` }, body, signal: AbortSignal.timeout(10_000) });
    if (!res.ok) ctx.log.warn({ status: res.status, inferenceId: dto.id }, 'inference webhook answered with an error');
  } catch {
    ctx.log.warn({ inferenceId: dto.id }, 'inference webhook not reachable');
  }
}

/** Execute the job and return the finished row's DTO. */
export async function runInference(ctx: RunContext, job: RunJob): Promise<InferenceDto> {
  const started = performance.now();
  const request = job.row.request as unknown as StoredRequest;
  await ctx.prisma.inference.update({ where: { id: job.row.id }, data: { status: 'RUNNING' } });
  const results = await Promise.all(request.models.map((m) => runModel(ctx, job, m, request)));
  const failed = results.every((r) => r.error);
  const row = await ctx.prisma.$transaction(async (tx) => {
    const updated = await tx.inference.update({
      where: { id: job.row.id },
      data: {
        status: failed ? 'FAILED' : 'SUCCEEDED', outputs: results as unknown as Prisma.InputJsonValue,
        timings: { totalMs: performance.now() - started }, completedAt: new Date(), errorCode: failed ? (results[0]?.error?.code ?? 'INTERNAL') : null,
      },
    });
    await ctx.auditLog.append({
      orgId: job.row.orgId, actor: job.actor, requestId: job.requestId, action: 'inference.complete', resourceType: 'inference', resourceId: job.row.id,
      details: { status: updated.status, models: request.models.map((m) => `${m.name}@${m.version}`), inputKind: request.input.kind, instanceIds: request.input.instanceIds.filter(Boolean) },
    }, tx);
    return updated;
  });
  const dto = toInferenceDto(row);
  if (job.webhook) await callWebhook(ctx, job.webhook.url, job.webhook.secret, dto);
  return dto;
}
