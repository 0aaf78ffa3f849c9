// What every operation of the OpenAPI document must carry so the generated SDK needs no cast:
// checked by openapi.audit.test.ts on the real document, so a new route that misses any of it
// fails `pnpm test` with a message naming the route and what to add.
import { OPERATION_ID_PATTERN } from '@medgrade/contracts';

interface Operation {
  operationId?: string;
  tags?: string[];
  summary?: string;
  security?: unknown[];
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }>;
}
interface Document {
  tags?: { name: string; description?: string }[];
  paths: Record<string, Record<string, Operation>>;
}

const ERROR_REF = '#/components/schemas/ErrorResponse';
const WITH_BODY = new Set(['post', 'put', 'patch']);

/**
 * Error statuses answered with a body other than ErrorResponse, because a standard fixes it:
 * STOW-RS 409 (PS3.18 10.5.3: a DICOM JSON FailedSOPSequence) and the readiness probes' 503
 * (the same body as their 200, naming the failing check).
 */
export const NON_ENVELOPE_ERRORS = new Set(['dicomweb.storeInstances 409', 'dicomweb.storeStudyInstances 409', 'health.ready 503', 'oip.serverReady 503']);

function responseProblems(id: string, op: Operation): string[] {
  const problems: string[] = [];
  const responses = Object.entries(op.responses ?? {});
  if (!responses.some(([status]) => status.startsWith('2'))) problems.push(`${id}: declare a 2xx response schema`);
  for (const [status, response] of responses) {
    if (!response.description || response.description === 'Default Response') problems.push(`${id} ${status}: describe the response`);
    const content = Object.entries(response.content ?? {});
    if (status !== '204' && (content.length === 0 || content.some(([, media]) => !media.schema))) problems.push(`${id} ${status}: declare the response's media type and schema`);
    if (Number(status) < 400 || NON_ENVELOPE_ERRORS.has(`${op.operationId} ${status}`)) continue;
    const schema = response.content?.['application/json']?.schema as { $ref?: string } | undefined;
    if (schema?.$ref !== ERROR_REF) problems.push(`${id} ${status}: error responses are application/json ErrorResponse`);
  }
  return problems;
}

function operationProblems(id: string, method: string, op: Operation, tags: Map<string, string | undefined>, seen: Set<string>): string[] {
  const problems: string[] = [];
  if (!op.operationId || !OPERATION_ID_PATTERN.test(op.operationId)) problems.push(`${id}: set schema.operationId to <resource>.<verb> in lowerCamel (e.g. datasets.create), got ${op.operationId ?? 'none'}`);
  else if (seen.has(op.operationId)) problems.push(`${id}: operationId ${op.operationId} is used twice`);
  else seen.add(op.operationId);
  if (!op.summary) problems.push(`${id}: set schema.summary`);
  if (!op.tags?.length) problems.push(`${id}: set schema.tags`);
  for (const tag of op.tags ?? []) if (!tags.get(tag)) problems.push(`${id}: tag ${tag} needs a row with a description in TAGS (plugins/docs.plugin.ts)`);
  if (!op.security) problems.push(`${id}: no security requirement (public routes get security: [])`);
  if (WITH_BODY.has(method) && !op.requestBody?.content) problems.push(`${id}: declare the request body (schema.body, or schema.requestBody for a streamed one)`);
  return [...problems, ...responseProblems(id, op)];
}

/** Every way the document falls short of the rules above, one line each; [] when it is complete. */
export function documentProblems(document: Document): string[] {
  const tags = new Map((document.tags ?? []).map((t) => [t.name, t.description]));
  const seen = new Set<string>();
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).flatMap(([method, op]) => operationProblems(`${method.toUpperCase()} ${path}`, method, op, tags, seen)));
}
