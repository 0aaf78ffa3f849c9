import { z } from 'zod';
import { ModelNameSchema, ModelVersionSchema } from './inference.schema.ts';

// KServe / Triton Open Inference Protocol v2 (REST) as the gateway publishes it to API-key
// clients (/v2/...). The gateway forwards bodies to services/inference without parsing them, so
// these schemas document the protocol (OpenAPI, SDK); the inference service checks the tensors.

/** Triton binary tensor extension: byte length of the JSON header that opens the body. */
export const OIP_BINARY_HEADER = 'inference-header-content-length';

/** Triton's name for the binary tensor data extension, as server metadata (`GET /v2`) lists it. */
export const OIP_BINARY_EXTENSION = 'binary_tensor_data';

export const OIP_DATATYPES = ['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES'] as const;

const DatatypeSchema = z.enum(OIP_DATATYPES);
const ShapeSchema = z.array(z.number().int().nonnegative()).describe('Dimensions, row-major');

const InputTensorSchema = z.object({
  name: z.string().min(1).describe('Input name from the model metadata, e.g. pixel_values'),
  shape: ShapeSchema,
  datatype: DatatypeSchema,
  parameters: z.record(z.string(), z.unknown()).optional().describe('binary_data_size: bytes of this tensor after the JSON header (binary extension)'),
  data: z.array(z.unknown()).optional().describe('Elements, flat or nested; omitted when the tensor is sent as binary data'),
});

export const OipInferRequestSchema = z.object({
  id: z.string().optional().describe('Echoed in the response'),
  parameters: z.record(z.string(), z.unknown()).optional(),
  inputs: z.array(InputTensorSchema).min(1),
  outputs: z.array(z.object({ name: z.string(), parameters: z.record(z.string(), z.unknown()).optional() })).optional().describe('Outputs to return (default: all)'),
});

const { $schema: _dialect, ...inferRequestJson } = z.toJSONSchema(OipInferRequestSchema, { io: 'input' });

/**
 * Documents the infer body for both encodings; the gateway streams either one unchanged to the
 * inference service, which parses and checks it.
 */
export const OipInferBodySchema = z.unknown().meta({
  content: {
    'application/json': { schema: inferRequestJson },
    'application/octet-stream': {
      schema: {
        type: 'string',
        contentMediaType: 'application/octet-stream',
        description: `Triton binary tensor extension: the JSON request (its byte length in the ${OIP_BINARY_HEADER} header) followed by the raw tensors of every input with parameters.binary_data_size, in input order (FP32 little endian; BYTES as 4-byte length-prefixed strings)`,
      },
    },
  },
});

export const OipInferResponseSchema = z
  .object({
    model_name: z.string(),
    model_version: z.string(),
    id: z.string().optional(),
    outputs: z.array(z.object({ name: z.string(), shape: ShapeSchema, datatype: DatatypeSchema, data: z.array(z.union([z.number(), z.string()])) })),
  })
  .meta({ id: 'OipInferResponse' });

const TensorMetadataSchema = z.object({ name: z.string(), datatype: z.string(), shape: z.array(z.number().int()).describe('-1 for a variable dimension (batch)') });

export const OipModelMetadataSchema = z
  .object({
    name: z.string(),
    versions: z.array(z.string()).describe('Versions this key may run: released ones, plus drafts for keys with models:write'),
    platform: z.string(),
    inputs: z.array(TensorMetadataSchema),
    outputs: z.array(TensorMetadataSchema),
  })
  .meta({ id: 'OipModelMetadata' });

export const OipServerMetadataSchema = z
  .object({
    name: z.string(),
    version: z.string(),
    extensions: z.array(z.string()).describe('Protocol extensions this server implements, e.g. binary_tensor_data'),
  })
  .meta({ id: 'OipServerMetadata' });

export const OipModelReadySchema = z.object({ name: z.string(), version: z.string(), ready: z.boolean() });
export const OipLiveSchema = z.object({ live: z.boolean() });
export const OipReadySchema = z.object({ ready: z.boolean() });

export const OipModelParamsSchema = z.object({ name: ModelNameSchema });
export const OipVersionParamsSchema = z.object({ name: ModelNameSchema, version: ModelVersionSchema });

/** Headers of an infer call: the binary extension's header length, when the body uses it. */
export const OipInferHeadersSchema = z.looseObject({
  [OIP_BINARY_HEADER]: z.string().regex(/^[1-9][0-9]{0,9}$/, 'the JSON header length in bytes').optional(),
});

export type OipInferResponse = z.infer<typeof OipInferResponseSchema>;
export type OipModelMetadata = z.infer<typeof OipModelMetadataSchema>;
export type OipServerMetadata = z.infer<typeof OipServerMetadataSchema>;
