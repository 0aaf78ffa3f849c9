// Completes every route's schema so the OpenAPI document (and the SDK generated from it) is
// exact, without each route spelling out what follows from its traits:
// - `errorStatuses` (an onRoute hook, so runtime serialization sees them too) adds the error
//   statuses a route can answer, all with the one ErrorResponse: 400 when it takes input, 401/403/429
//   when it needs a key, 404 when it has path parameters or a `projectId` query filter (a project
//   outside the key's scope is answered 404), 413/415 when it takes a body, 406 when it serves
//   bytes, 500 always. A route declares any other (409, 422, 503, ...) in its `response`.
// - `openapiTransform` (fastify-swagger's per-route transform: the document only) renders error
//   responses as application/json with one description per status, gives success responses a
//   description, turns a streamed `requestBody` into the request body, and marks public routes
//   `security: []`.
import type { RouteOptions } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ERROR_DESCRIPTIONS, ErrorResponseSchema, type StreamedRequestBody } from '@medgrade/contracts';

type Responses = Record<string, unknown>;
type TransformInput = Parameters<typeof jsonSchemaTransform>[0];

const SUCCESS_TEXT: Record<string, string> = { 200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No content' };

/** True when a response entry serves bytes (content form without a JSON media type). */
function servesBytes(entry: unknown): boolean {
  const content = (entry as { content?: Record<string, unknown> } | null)?.content;
  return Boolean(content) && !Object.keys(content!).some((type) => type.includes('json'));
}

/** True when the querystring schema (zod object, or JSON schema) has this parameter. */
function queryHas(querystring: unknown, name: string): boolean {
  if (querystring instanceof z.ZodObject) return name in querystring.shape;
  const properties = (querystring as { properties?: Record<string, unknown> } | null | undefined)?.properties;
  return Boolean(properties && name in properties);
}

/** The error statuses a route answers by its traits (see the file comment). */
export function traitStatuses(route: Pick<RouteOptions, 'schema' | 'config'>): number[] {
  const schema = route.schema ?? {};
  const response = (schema.response ?? {}) as Responses;
  const hasBody = Boolean(schema.body || schema.requestBody);
  const statuses = [500];
  if (schema.params || schema.querystring || schema.headers || hasBody) statuses.push(400);
  if (!route.config?.public) statuses.push(401, 403, 429);
  if (schema.params || queryHas(schema.querystring, 'projectId')) statuses.push(404);
  if (hasBody) statuses.push(413, 415);
  if (Object.entries(response).some(([status, entry]) => Number(status) < 300 && servesBytes(entry))) statuses.push(406);
  return statuses.sort();
}

/** onRoute hook: every error status the route can answer, with ErrorResponse. */
export function errorStatuses(route: RouteOptions): void {
  if (!route.schema || route.schema.hide) return;
  const response = { ...(route.schema.response as Responses | undefined) };
  for (const status of traitStatuses(route)) response[status] ??= ErrorResponseSchema;
  route.schema = { ...route.schema, response };
}

function successDescription(entry: unknown, status: string, summary: string | undefined): string {
  const own = entry instanceof z.ZodType ? entry.description : undefined;
  return own ?? `${SUCCESS_TEXT[status] ?? 'Success'}: ${summary ?? ''}`.trim();
}

function streamedBody(body: StreamedRequestBody): { body: unknown; consumes: string[] } {
  // fastify-swagger gives every `consumes` type the one body schema: a route with several media
  // types documents the first type's schema, which the others' descriptions extend.
  const [first] = Object.values(body.content);
  const json = z.toJSONSchema(first!, { io: 'input', target: 'draft-2020-12' });
  delete (json as { $schema?: string }).$schema;
  return { body: { ...json, description: body.description }, consumes: Object.keys(body.content) };
}

/** fastify-swagger `transform`: the zod transform, then the document-only completion above. */
export function openapiTransform(input: TransformInput): ReturnType<typeof jsonSchemaTransform> {
  const out = jsonSchemaTransform(input);
  const route = input.schema as (typeof input.schema & { requestBody?: StreamedRequestBody; response?: Responses }) | undefined;
  const schema = out.schema as Record<string, unknown> | undefined;
  if (!route || !schema || schema.hide) return out;
  const responses = (schema.response ?? {}) as Responses;
  for (const [status, json] of Object.entries(responses)) {
    if (Number(status) >= 400 && route.response?.[status] === ErrorResponseSchema) {
      responses[status] = { description: ERROR_DESCRIPTIONS[Number(status)] ?? 'Error', content: { 'application/json': { schema: json } } };
    } else if (!(json as { content?: unknown }).content) {
      // fastify-swagger reads the response's description from x-response-description, or (for a
      // $ref, which it resolves first) from the raw schema's description.
      const text = successDescription(route.response?.[status], status, route.summary as string | undefined);
      const ref = (json as { $ref?: string }).$ref;
      responses[status] = ref ? { $ref: ref, description: text } : { ...(json as object), 'x-response-description': text };
    }
  }
  if (route.requestBody) Object.assign(schema, streamedBody(route.requestBody));
  delete schema.requestBody;
  if (input.route.config?.public) schema.security = [];
  return out;
}
