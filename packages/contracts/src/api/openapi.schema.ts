import { z } from 'zod';
import { ErrorResponseSchema } from '../error.schema.ts';

// What the gateway's OpenAPI document needs beyond JSON bodies, so that a generated client is
// exact: the operationId rule, binary bodies the handlers stream themselves, binary responses,
// and one description per error status. Route schemas use these; the gateway completes each
// route from them (services/gateway/src/openapi/route-docs.ts).

/**
 * operationId rule: `<resource>.<verb>`, both lowerCamel. The resource is the plural noun of the
 * path (`studies`, `apiKeys`, `modelVersions`, `finetuneJobs`) or the protocol area (`dicomweb`,
 * `oip`, `health`); the verb is `list`, `get`, `create`, `update`, `replace`, `delete` or the
 * action's own verb (`revoke`, `release`, `searchStudies`, `retrieveInstance`). SDKs group by the
 * resource and name the method by the verb: `uploads.create` → `Uploads.create()`.
 */
export const OPERATION_ID_PATTERN = /^[a-z][A-Za-z0-9]*\.[a-z][A-Za-z0-9]*$/;

/** Bytes of any media type (OpenAPI: `type: string, format: binary`; SDKs: Blob/File). */
export const BinarySchema = z.string().meta({ format: 'binary' });

/** What a handler may send as a binary response: bytes, a stream of them, or text. */
export type BinaryPayload = Uint8Array | AsyncIterable<unknown> | string;

// OpenAPI shows bytes as a string of format binary; the handler sends a Buffer or a stream, which
// Fastify writes as is (no serializer runs), so the type the route checks is the payload's.
const BinaryPayloadSchema = BinarySchema as unknown as z.ZodType<BinaryPayload>;

/** A response whose body is bytes in one of `mediaTypes` (DICOM, multipart, images). */
export function binaryResponse(description: string, mediaTypes: readonly string[]) {
  return { description, content: Object.fromEntries(mediaTypes.map((type) => [type, { schema: BinaryPayloadSchema }])) };
}

/** A JSON response served as `mediaType` (e.g. application/dicom+json), with its description. */
export function jsonResponse<T extends z.ZodType>(description: string, schema: T, mediaType = 'application/json') {
  return { description, content: { [mediaType]: { schema } } };
}

/**
 * A request body the handler streams itself (multipart, DICOM, gzip), so Fastify must not parse
 * or validate it: declared for OpenAPI only, under the route schema's `requestBody` key.
 */
export interface StreamedRequestBody {
  description: string;
  /** Media type → zod schema of the body as OpenAPI shows it. */
  content: Record<string, z.ZodType>;
}

/** POST /v1/uploads: form files, each a Part 10 `.dcm` or a `.zip` of them (folders inside). */
export const UploadFormBody: StreamedRequestBody = {
  description: 'Form files named `file` (repeat it): each one DICOM Part 10 instance (.dcm) or a .zip of them (folders inside are read)',
  content: { 'multipart/form-data': z.object({ file: z.array(BinarySchema).describe('One or more .dcm or .zip files') }) },
};

/** POST /dicomweb/studies (STOW-RS): one Part 10 file per part. */
export const StowBody: StreamedRequestBody = {
  description: 'multipart/related; type="application/dicom" with a boundary parameter, one DICOM Part 10 file per part',
  content: { 'multipart/related; type="application/dicom"': BinarySchema },
};

/** POST /v1/models/{name}/versions: a model bundle as form files or one .tar.gz. */
export const ModelBundleBody: StreamedRequestBody = {
  description: 'The bundle files (manifest.json, model.onnx, ...) as form files, or one .tar.gz of the bundle folder',
  content: {
    'multipart/form-data': z.object({ file: z.array(BinarySchema).describe('The bundle files, named as in the bundle') }),
    'application/gzip': BinarySchema,
  },
};

/** What each error status means for any route; the body is always ErrorResponse. */
export const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request: `error.details.problems` names every bad parameter or field',
  401: 'Missing, invalid, expired or revoked API key',
  403: 'The API key lacks a scope this operation needs (`error.details.missingScopes` / `anyOfScopes`) or may not reach the resource',
  404: 'Not found, or not visible to this API key',
  406: 'None of the media types in Accept can be served',
  409: 'Conflicts with the current state of the resource',
  413: 'Request body larger than the limit named in the message',
  415: 'Unsupported Content-Type for this operation',
  422: 'Well-formed but unusable input (the message says what to fix)',
  429: 'Rate limit of this API key exceeded: retry after the Retry-After header (seconds)',
  500: 'Internal error: the request id identifies it in the server logs',
  503: 'A dependency is temporarily unavailable: retry later',
  504: 'A dependency did not answer in time: retry later',
};

/** A route's error response for `status`, as the gateway declares it. */
export function errorResponse(status: number) {
  return { description: ERROR_DESCRIPTIONS[status] ?? 'Error', content: { 'application/json': { schema: ErrorResponseSchema } } };
}
