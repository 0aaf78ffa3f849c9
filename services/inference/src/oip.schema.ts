// KServe / Triton Open Inference Protocol v2 (REST) request and response bodies.
import { OIP_DATATYPES, type OipInferResponseSchema } from '@medgrade/contracts';
import { z } from 'zod';

const TensorSchema = z.object({
  name: z.string().min(1),
  shape: z.array(z.number().int().nonnegative()),
  datatype: z.enum(OIP_DATATYPES),
  parameters: z.record(z.string(), z.unknown()).optional(),
  /** Row-major data, flat or nested; elements are checked when the tensor is read (one pass, not per-element zod). */
  data: z.custom<unknown[] | Float32Array>((v) => Array.isArray(v) || v instanceof Float32Array, 'data must be an array').meta({ type: 'array' }),
});

export const InferRequestSchema = z.object({
  id: z.string().optional(),
  parameters: z.record(z.string(), z.unknown()).optional(),
  inputs: z.array(TensorSchema).min(1),
  outputs: z.array(z.object({ name: z.string(), parameters: z.record(z.string(), z.unknown()).optional() })).optional(),
});

export const ModelParamsSchema = z.object({ name: z.string().min(1), version: z.string().min(1).optional() });

export type InferRequest = z.infer<typeof InferRequestSchema>;
export type OipTensor = z.infer<typeof TensorSchema>;
// Response bodies use the protocol's schemas in contracts (tensors as flat JSON arrays, so fast-json-stringify can write them).
export type OipOutputTensor = z.infer<typeof OipInferResponseSchema>['outputs'][number];
