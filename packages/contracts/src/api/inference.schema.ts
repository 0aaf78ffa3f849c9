import { z } from 'zod';

// The internal API between the gateway and services/inference (study inference). The gateway
// resolves names to an exact version and checks tenancy before calling; inputs are references
// to de-identified objects or de-identified DICOM bytes, never raw uploads.

export const ModelNameSchema = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,99}$/, 'lowercase letters, digits, ".", "_" or "-"');
export const ModelVersionSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, ".", "_" or "-"');

/** A label or candidate text with its score in [0, 1]. */
export const ScoredLabelSchema = z.object({ label: z.string(), score: z.number() });

export const InternalInferInputSchema = z.union([
  z.object({ objectKey: z.string().min(1).describe('Key of a de-identified instance in the object store') }),
  z.object({ dicomBase64: z.string().min(1).describe('A de-identified DICOM Part 10 file, base64') }),
]);

export const InternalInferRequestSchema = z.object({
  orgId: z.string().min(1),
  name: ModelNameSchema,
  version: ModelVersionSchema,
  inputs: z.array(InternalInferInputSchema).min(1).max(64),
  prompt: z.string().max(500).optional(),
  candidates: z.array(z.string().min(1).max(200)).max(32).optional(),
});

/** What one model produced for one input; `error` when that input could not be used. */
export const InstanceResultSchema = z.object({
  index: z.number().int().nonnegative(),
  text: z.string().optional(),
  labels: z.array(ScoredLabelSchema).optional(),
  zeroShot: z.array(ScoredLabelSchema).optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});

export const InferenceTimingsSchema = z.object({
  loadMs: z.number(),
  preprocessMs: z.number(),
  inferMs: z.number(),
  totalMs: z.number(),
});

export const InternalInferResponseSchema = z.object({
  model: z.object({ name: z.string(), version: z.string() }),
  results: z.array(InstanceResultSchema),
  timings: InferenceTimingsSchema,
});

export type InternalInferRequest = z.infer<typeof InternalInferRequestSchema>;
export type InternalInferResponse = z.infer<typeof InternalInferResponseSchema>;
export type InstanceResult = z.infer<typeof InstanceResultSchema>;

/** Header that carries the caller's organization on service-to-service calls. */
export const ORG_HEADER = 'x-medgrade-org';
