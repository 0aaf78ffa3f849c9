// The one HTTP error handler of the gateway and the inference service (STYLE.md 5): AppErrors and
// the packages' typed errors render through contracts' table (renderError); schema validation
// errors become 400 VALIDATION_FAILED listing every problem; Fastify's own 4xx get a generic
// message (their text can quote the body); a backing service that cannot be reached (Postgres,
// Redis, the object store) is a 503 with Retry-After, which clients (and our SDK) retry; anything
// else is a 500 that says nothing internal.
import { ERROR_STATUS, InputLimitError, isDependencyOutage, renderError, type ErrorCode, type ErrorResponse, type RenderedError } from '@medgrade/contracts';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';

const CODE_FOR_STATUS: Record<number, ErrorCode> = {
  400: 'BAD_REQUEST', 404: 'NOT_FOUND', 405: 'METHOD_NOT_ALLOWED', 406: 'NOT_ACCEPTABLE',
  413: 'PAYLOAD_TOO_LARGE', 415: 'UNSUPPORTED_MEDIA_TYPE', 429: 'RATE_LIMITED',
};

const GENERIC_MESSAGE: Partial<Record<ErrorCode, string>> = {
  BAD_REQUEST: 'Malformed request: check the body is valid for its Content-Type',
  PAYLOAD_TOO_LARGE: 'Request body too large',
  UNSUPPORTED_MEDIA_TYPE: 'Unsupported Content-Type for this route',
};

function send(reply: FastifyReply, request: FastifyRequest, r: RenderedError) {
  const body: ErrorResponse = { error: { code: r.code, message: r.message, requestId: request.id, ...(r.details !== undefined ? { details: r.details } : {}) } };
  return reply.code(ERROR_STATUS[r.code]).type('application/json').send(body);
}

function validationProblems(error: FastifyError) {
  if (!hasZodFastifySchemaValidationErrors(error)) return [];
  return error.validation.map((v) => ({
    path: [error.validationContext, ...v.instancePath.split('/').filter(Boolean)].filter(Boolean).join('.'),
    message: v.message ?? 'invalid',
  }));
}

/** Seconds a client is told to wait when a backing service is down. */
export const OUTAGE_RETRY_AFTER_S = 5;

/** Any error as the client sees it (code, message, details). */
export function renderHttpError(error: FastifyError): RenderedError {
  const rendered = renderError(error);
  if (rendered) return rendered;
  if (hasZodFastifySchemaValidationErrors(error)) {
    const problems = validationProblems(error);
    return { code: 'VALIDATION_FAILED', message: `Invalid request: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`, details: { problems } };
  }
  const status = error.statusCode ?? 500;
  if (status >= 500 && isDependencyOutage(error)) {
    return { code: 'SERVICE_UNAVAILABLE', message: `A backing service (database, queue or object store) is unavailable: retry after ${OUTAGE_RETRY_AFTER_S} s`, details: { retryAfterSeconds: OUTAGE_RETRY_AFTER_S } };
  }
  if (status >= 400 && status < 500) {
    const code = CODE_FOR_STATUS[status] ?? 'BAD_REQUEST';
    return { code, message: GENERIC_MESSAGE[code] ?? 'Request refused', ...(error.code ? { details: { reason: error.code } } : {}) };
  }
  return { code: 'INTERNAL', message: 'Internal error: the request id identifies it in our logs' };
}

/** Seconds a 503 asks the client to wait: its own details' `retryAfterSeconds`, else the outage default. */
function retryAfterOf(rendered: RenderedError): number | undefined {
  if (rendered.details === undefined) return undefined;
  const own = (rendered.details as { retryAfterSeconds?: unknown } | null)?.retryAfterSeconds;
  return typeof own === 'number' ? own : OUTAGE_RETRY_AFTER_S;
}

/** Fastify plugin `errors`: the error handler and the 404 of unknown routes. */
export const errorsPlugin = fp(
  async (app) => {
    app.setErrorHandler((error: FastifyError, request, reply) => {
      const rendered = renderHttpError(error);
      const retryAfter = rendered.code === 'SERVICE_UNAVAILABLE' ? retryAfterOf(rendered) : undefined;
      // A 503 that says when to come back (a full backlog) is the platform working as designed.
      if (ERROR_STATUS[rendered.code] >= 500) request.log[retryAfter !== undefined && error instanceof InputLimitError ? 'warn' : 'error']({ err: error }, 'request failed');
      if (retryAfter !== undefined) reply.header('retry-after', retryAfter);
      return send(reply, request, rendered);
    });
    app.setNotFoundHandler((request, reply) =>
      send(reply, request, { code: 'NOT_FOUND', message: `No route ${request.method} ${request.url.split('?')[0]}: see /docs for the API` }),
    );
  },
  { name: 'errors' },
);
