// POST /v1/inferences behind the route: vet the webhook URL (400 before anything is stored),
// resolve models and inputs (an uploaded file is de-identified here), then either run at once
// (?wait=true) or persist everything the InferenceRun job needs (row, sealed webhook target,
// staged de-identified bytes) and enqueue it. A failure to enqueue marks the row FAILED and says 503.
// A ?wait=true row is inserted RUNNING under this request's run lease (inference.lease.ts), so the
// reconciler leaves it alone while this gateway runs it, however long that takes.
import { randomBytes, randomUUID } from 'node:crypto';
import type { AuthContext } from '@medgrade/auth';
import { ServiceUnavailableError, type CreateInferenceBody, type InferenceDto, type JOB_CATALOG } from '@medgrade/contracts';
import type { Inference, InferenceRepository, InstanceRepository, Prisma } from '@medgrade/db';
import type { ModelRegistry } from '@medgrade/registry';
import type { JobProducer } from '@medgrade/queue';
import type { ObjectStore } from '@medgrade/storage';
import {
  deleteStagedInputs, executeInference, finishInference, leaseUntil, sealWebhook, stageInputs, toInferenceDto, vetWebhookUrl,
  type ResolvedInputs, type ResolvedModel, type RunContext, type StoredRequest, type WebhookTarget,
} from '@medgrade/inference-runs';
import { resolveInputs, resolveModels } from './inference.inputs.ts';

/** The gateway adapters a submission uses. */
export interface SubmitContext extends RunContext {
  store?: ObjectStore | undefined;
  jobs?: JobProducer<typeof JOB_CATALOG> | undefined;
  /** PROJECT_SECRET_KEY bytes: de-identifies uploads and seals webhook targets. */
  secretKey: Buffer;
  allowPrivateNetworks: boolean;
  /** Refuse http: webhook URLs (everywhere but a developer machine). */
  requireHttps: boolean;
  /** Instances as inputs, always within the caller's scope. */
  instances: InstanceRepository;
  /** Where the accepted request's row is written. */
  inferences: InferenceRepository;
  /** Resolves the models a request names, within the caller's scope. */
  registry: ModelRegistry;
}

/** One caller's request. */
export interface Submission {
  body: CreateInferenceBody;
  auth: AuthContext;
  wait: boolean;
  requestId: string;
  /** Records `inference.create` for the caller (request.audit). */
  audit(event: { action: string; resourceType: string; resourceId: string; details: Record<string, unknown> }): Promise<void>;
}

/** The webhook secret is in the answer whenever webhookUrl was given: the caller sees it only here. */
export type SubmitResult = { status: 200 | 202; body: InferenceDto & { webhookSecret?: string } };

const NO_QUEUE = 'Asynchronous inference and webhooks are not available on this gateway right now: retry later or use ?wait=true without webhookUrl';

// Stages the de-identified upload (async only), creates the row with the sealed webhook target
// (RUNNING under a lease when this request runs it) and audits inference.create; staged bytes are
// removed again if the row cannot be written.
async function persist(ctx: SubmitContext, sub: Submission, plan: { id: string; models: ResolvedModel[]; inputs: ResolvedInputs; stage: boolean; webhook?: WebhookTarget | undefined }): Promise<Inference> {
  const { body, auth } = sub;
  const { id, models, inputs, stage, webhook } = plan;
  const stored: StoredRequest = {
    models, input: { kind: inputs.kind, instanceIds: inputs.instanceIds }, prompt: body.prompt, candidates: body.candidates,
    ...(webhook ? { webhook: { sealed: sealWebhook(ctx.secretKey, webhook) } } : {}),
  };
  if (stage) await stageInputs(ctx.store!, auth.orgId, id, inputs);
  const row = await ctx.inferences.create({
    id, orgId: auth.orgId, projectId: auth.projectId ?? ('projectId' in body.input ? body.input.projectId : null), modelVersionId: models[0]?.versionId ?? '',
    createdBy: auth.keyId, request: stored as unknown as Prisma.InputJsonValue, running: sub.wait ? { leaseExpiresAt: leaseUntil(ctx.leaseMs) } : undefined,
  }).catch(async (error: unknown) => {
    if (stage) await deleteStagedInputs(ctx.store!, { orgId: auth.orgId, id });
    throw error;
  });
  await sub.audit({ action: 'inference.create', resourceType: 'inference', resourceId: id, details: { models: models.map((m) => `${m.name}@${m.version}`), inputKind: inputs.kind, instances: inputs.instanceIds.length } });
  return row;
}

// The result is stored and the row marked webhook-pending: if Redis refuses the job now, the
// reconciler enqueues it later, and the caller still gets the result it waited for (a 503 would
// make it run the inference again).
async function enqueueDelivery(ctx: SubmitContext, job: { inferenceId: string; requestId: string }): Promise<void> {
  try {
    await ctx.jobs!.enqueue('InferenceWebhookDeliver', job);
  } catch (error) {
    ctx.log.warn({ err: error, inferenceId: job.inferenceId }, 'could not enqueue a webhook delivery: the inference reconciler will');
  }
}

/** Accepts an inference request; see the file comment for the order of steps. */
export async function submitInference(ctx: SubmitContext, sub: Submission): Promise<SubmitResult> {
  const { body, auth } = sub;
  if (body.webhookUrl) await vetWebhookUrl(body.webhookUrl, { allowPrivateNetworks: ctx.allowPrivateNetworks, requireHttps: ctx.requireHttps });
  const models = await resolveModels(ctx.registry, auth, body.models);
  const inputs = await resolveInputs(ctx.prisma, ctx.instances, auth, body.input, ctx.secretKey);
  const stage = !sub.wait && inputs.kind === 'upload';
  if (((body.webhookUrl || !sub.wait) && !ctx.jobs) || (stage && !ctx.store)) throw new ServiceUnavailableError(NO_QUEUE);
  const id = randomUUID();
  const webhook = body.webhookUrl ? { url: body.webhookUrl, secret: randomBytes(32).toString('base64url') } : undefined;
  const row = await persist(ctx, sub, { id, models, inputs, stage, webhook });
  const ref = { row, actor: auth.keyId, requestId: sub.requestId };
  const job = { inferenceId: id, requestId: sub.requestId };
  const secret = webhook ? { webhookSecret: webhook.secret } : {};
  if (sub.wait) {
    const done = await executeInference(ctx, { ...ref, inputs }, { retryTransient: false });
    if (webhook) await enqueueDelivery(ctx, job);
    return { status: 200, body: { ...toInferenceDto(done), ...secret } };
  }
  try {
    // Per-organization fairness (packages/queue fair.ts): one tenant's burst cannot starve the others.
    await ctx.jobs!.enqueue('InferenceRun', job, { fairKey: auth.orgId });
  } catch (error) {
    ctx.log.error({ err: error, inferenceId: id }, 'could not enqueue an inference');
    await finishInference(ctx, ref, [], null, { errorCode: 'SERVICE_UNAVAILABLE', notify: false });
    if (stage) await deleteStagedInputs(ctx.store!, row);
    throw new ServiceUnavailableError('The inference could not be queued: retry later');
  }
  return { status: 202, body: { ...toInferenceDto(row), ...secret } };
}
