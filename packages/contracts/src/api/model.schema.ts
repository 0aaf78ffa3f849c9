import { z } from 'zod';
import { TimestampSchema } from './common.schema.ts';
import { ModelValidationSchema } from './evaluation.schema.ts';
import { InferenceTimingsSchema, InstanceResultSchema, ModelNameSchema, ModelVersionSchema } from './inference.schema.ts';

// Model registry and public inference API (gateway /v1/models, /v1/inferences).

export const ModelVersionStatusSchema = z.enum(['draft', 'validated', 'released', 'retired']).describe('draft → validated (passed the evaluation gate) → released → retired');

export const ModelSchema = z
  .object({
    id: z.uuid(),
    orgId: z.uuid(),
    projectId: z.uuid().nullable(),
    name: ModelNameSchema,
    task: z.string().nullable(),
    description: z.string().nullable(),
    latestReleasedVersion: z.string().nullable(),
    createdAt: TimestampSchema,
  })
  .meta({ id: 'Model' });

export const CreateModelBodySchema = z
  .object({
    name: ModelNameSchema,
    description: z.string().max(2000).optional(),
    projectId: z.uuid().optional(),
  })
  .strict();

export const ModelNameParamsSchema = z.object({ name: ModelNameSchema });
export const ModelVersionParamsSchema = z.object({ name: ModelNameSchema, version: ModelVersionSchema });

export const ModelVersionRecordSchema = z
  .object({
    id: z.uuid(),
    modelId: z.uuid(),
    name: ModelNameSchema,
    version: ModelVersionSchema,
    status: ModelVersionStatusSchema,
    manifest: z.record(z.string(), z.unknown()).describe('manifest.json of the bundle (docs/model-bundle.md)'),
    objectPrefix: z.string(),
    validatedAt: TimestampSchema.nullable().describe('when it passed the evaluation gate'),
    releasedAt: TimestampSchema.nullable(),
    createdAt: TimestampSchema,
  })
  .meta({ id: 'ModelVersion' });

export const ModelVersionDetailSchema = ModelVersionRecordSchema.extend({
  modelCard: z.string().nullable().describe('MODEL_CARD.md of the bundle'),
  // unknown already admits null; a nullable unknown renders as an anyOf that matches anything.
  evaluation: z.unknown().describe('evaluation.json of the bundle, or null when it has none'),
  validation: ModelValidationSchema.nullable().describe('the evaluation gate of the fine-tuning job that registered it: policy, checks, candidate and base evaluations (overall, per finding, per subgroup); null for uploaded versions'),
}).meta({ id: 'ModelVersionDetail' });

export const StatusChangeBodySchema = z.object({ reason: z.string().min(3).max(2000).describe('Why (recorded in the audit trail)') }).strict();

export const ReleaseBodySchema = StatusChangeBodySchema.extend({
  override: z.boolean().optional().describe('Release a draft that has not passed the evaluation gate (audited as an override); validated versions need none'),
}).strict();

/** `name` (latest released version) or `name@version`. */
export const ModelRefSchema = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,99}(@[A-Za-z0-9][A-Za-z0-9._-]{0,63})?$/, 'use "name" or "name@version"');

export const InferenceInputSchema = z.union([
  z.object({ studyId: z.uuid() }).strict(),
  z.object({ instanceIds: z.array(z.uuid()).min(1).max(64) }).strict(),
  z.object({ projectId: z.uuid(), dicomBase64: z.string().min(1).describe('A DICOM Part 10 file, base64; de-identified with the project profile before use, never stored') }).strict(),
]);

export const CreateInferenceBodySchema = z
  .object({
    models: z.array(ModelRefSchema).min(1).max(4),
    input: InferenceInputSchema,
    prompt: z.string().max(500).optional(),
    candidates: z.array(z.string().min(1).max(200)).max(32).optional(),
    webhookUrl: z.url({ protocol: /^https?$/ }).optional(),
  })
  .strict();

export const InferenceQuerySchema = z.object({ wait: z.enum(['true', 'false']).default('false').transform((v) => v === 'true') });

export const ModelInferenceResultSchema = z.object({
  model: z.object({ name: z.string(), version: z.string(), versionId: z.uuid() }),
  instances: z.array(InstanceResultSchema.extend({ instanceId: z.uuid().nullable() })),
  timings: InferenceTimingsSchema.optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});

export const InferenceStatusSchema = z.enum(['queued', 'running', 'succeeded', 'failed']);

export const InferenceSchema = z
  .object({
    id: z.uuid(),
    status: InferenceStatusSchema,
    models: z.array(z.object({ name: z.string(), version: z.string(), versionId: z.uuid() })),
    results: z.array(ModelInferenceResultSchema),
    timings: z.object({ totalMs: z.number() }).nullable(),
    createdAt: TimestampSchema,
    completedAt: TimestampSchema.nullable(),
  })
  .meta({ id: 'Inference' });

/** The answer to POST /v1/inferences (200 with ?wait=true, 202 without): the only place the webhook secret is shown. */
export const InferenceSubmittedSchema = InferenceSchema.extend({
  webhookSecret: z.string().optional().describe('Only with webhookUrl, shown once: HMAC-SHA256 key of the webhook call\'s x-medgrade-signature header, `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` (refuse calls whose t is more than a few minutes from now: the SDK\'s verifyWebhook does)'),
}).meta({ id: 'InferenceSubmitted' });

export type ModelDto = z.infer<typeof ModelSchema>;
export type ModelVersionDto = z.infer<typeof ModelVersionRecordSchema>;
export type InferenceDto = z.infer<typeof InferenceSchema>;
export type ModelInferenceResult = z.infer<typeof ModelInferenceResultSchema>;
export type CreateInferenceBody = z.infer<typeof CreateInferenceBodySchema>;
