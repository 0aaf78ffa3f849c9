import { z } from 'zod';
import { TimestampSchema } from './common.schema.ts';
import { GateOverridesSchema } from './evaluation.schema.ts';
import { ModelNameSchema, ModelVersionSchema } from './inference.schema.ts';

// Fine-tuning jobs (gateway /v1/finetune-jobs; services/training-orchestrator runs them).

export const FinetuneStatusSchema = z
  .enum(['validating', 'queued', 'running', 'preempted', 'evaluating', 'succeeded', 'failed', 'cancelled'])
  .describe('validating → queued → running ⇄ preempted → evaluating → succeeded | failed | cancelled');
export const FinetunePrioritySchema = z.enum(['urgent', 'standard', 'preemptible']).describe('urgent may preempt running standard and preemptible jobs');
export const FinetuneMethodSchema = z.enum(['full', 'lora']);
export const PendingReasonSchema = z.enum(['quota', 'capacity', 'priority']).describe('why a queued job waits');

/** The trainer's tunables (services/trainer attempt.py), all optional with the trainer's defaults. */
export const FinetuneHyperparametersSchema = z
  .object({
    steps: z.number().int().min(1).max(1_000_000),
    batchSize: z.number().int().min(1).max(4096),
    lr: z.number().positive().max(1),
    weightDecay: z.number().min(0).max(1),
    warmup: z.number().int().min(0),
    labelWeight: z.number().min(0).max(100),
    loraRank: z.number().int().min(1).max(256),
    loraAlpha: z.number().positive().max(1024),
    checkpointEvery: z.number().int().min(1),
    logEvery: z.number().int().min(1),
  })
  .partial()
  .strict();

/** `name` (latest released version) or `name@version`. */
export const BaseModelRefSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,99}(@[A-Za-z0-9][A-Za-z0-9._-]{0,63})?$/, 'write the base model as name or name@version')
  .describe('Base model: "name" (its latest released version) or "name@version"');

export const CreateFinetuneJobBodySchema = z
  .object({
    baseModel: BaseModelRefSchema,
    datasetSnapshotId: z.uuid(),
    method: FinetuneMethodSchema,
    hyperparameters: FinetuneHyperparametersSchema.optional(),
    priority: FinetunePrioritySchema.default('standard'),
    nodePool: z.string().min(1).max(100).optional().describe('node pool name (default: cpu)'),
    gate: GateOverridesSchema.optional(),
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(1),
    gpus: z.number().int().min(1).max(64).default(1),
  })
  .strict();

/** Optional: a cancel may be sent without a body. */
export const CancelFinetuneJobBodySchema = z
  .object({ reason: z.string().min(1).max(500).optional().describe('recorded in the audit trail') })
  .strict()
  .nullish();

export const FinetuneJobCreatedSchema = z.object({ id: z.uuid(), status: FinetuneStatusSchema }).meta({ id: 'FinetuneJobCreated' });

export const FinetuneJobSchema = z
  .object({
    id: z.uuid(),
    projectId: z.uuid().nullable(),
    status: FinetuneStatusSchema,
    baseModel: z.object({ name: ModelNameSchema, version: ModelVersionSchema, modelVersionId: z.uuid() }),
    datasetSnapshotId: z.uuid(),
    method: FinetuneMethodSchema,
    hyperparameters: z.record(z.string(), z.unknown()),
    priority: FinetunePrioritySchema,
    nodePool: z.string(),
    gpus: z.number().int(),
    seed: z.number().int(),
    gate: z.record(z.string(), z.unknown()).nullable(),
    pendingReason: PendingReasonSchema.nullable(),
    position: z.number().int().nullable().describe('1-based place among the pool\'s waiting jobs'),
    attempts: z.number().int(),
    preemptions: z.number().int(),
    lastStep: z.number().int().nullable(),
    lastCheckpointStep: z.number().int().nullable(),
    errorCode: z.string().nullable(),
    errorMessage: z.string().nullable(),
    modelVersionId: z.uuid().nullable(),
    createdAt: TimestampSchema,
    updatedAt: TimestampSchema,
    finishedAt: TimestampSchema.nullable(),
  })
  .meta({ id: 'FinetuneJob' });

export const FinetuneJobListQuerySchema = z.object({
  status: FinetuneStatusSchema.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const FinetuneEventSchema = z
  .object({
    seq: z.number().int().describe('cursor: pass the last one seen as `after`'),
    type: z.string().describe('state, pending, validated, attempt, start, resume, step, checkpoint, preemption, preempted, attempt.ended, error, done, evaluation'),
    attempt: z.number().int().nullable(),
    data: z.record(z.string(), z.unknown()),
    createdAt: TimestampSchema,
  })
  .meta({ id: 'FinetuneEvent' });

export const FinetuneEventsQuerySchema = z.object({
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

export const FinetuneEventPageSchema = z.object({
  items: z.array(FinetuneEventSchema),
  next: z.number().int().describe('the `after` of the next page (the last seq returned, or the one passed)'),
  finished: z.boolean().describe('true once the job has ended: no event follows the last one'),
});
