// KServe / Triton Open Inference Protocol v2 (REST) request and response bodies.
import { z } from 'zod';

export const OIP_DATATYPES = ['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES'] as const;

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

/** Response tensors hold JSON arrays (flat, row-major), so fast-json-stringify can write them. */
const OutputTensorSchema = z.object({
  name: z.string(),
  shape: z.array(z.number().int().nonnegative()),
  datatype: z.enum(OIP_DATATYPES),
  data: z.array(z.union([z.number(), z.string()])),
});

export const InferResponseSchema = z.object({
  model_name: z.string(),
  model_version: z.string(),
  id: z.string().optional(),
  outputs: z.array(OutputTensorSchema),
});

const TensorMetadataSchema = z.object({ name: z.string(), datatype: z.string(), shape: z.array(z.number().int()) });

export const ModelMetadataSchema = z.object({
  name: z.string(),
  versions: z.array(z.string()),
  platform: z.string(),
  inputs: z.array(TensorMetadataSchema),
  outputs: z.array(TensorMetadataSchema),
});

export const ModelParamsSchema = z.object({ name: z.string().min(1), version: z.string().min(1).optional() });

export type InferRequest = z.infer<typeof InferRequestSchema>;
export type OipTensor = z.infer<typeof TensorSchema>;
export type OipOutputTensor = z.infer<typeof OutputTensorSchema>;
