import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, ERROR_STATUS, type ErrorCode, type ErrorResponse } from '@medgrade/contracts';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ObjectNotFoundError } from '@medgrade/storage';

// The one error path (STYLE.md 5): AppErrors map through ERROR_STATUS; schema validation errors
// become 400 VALIDATION_FAILED listing every problem; Fastify's own 4xx get a generic message
// (their text can quote the body); anything else is a 500 that says nothing internal.
// A row whose object is gone (a study deletion that failed after erasing the objects, see
// studies-delete.routes.ts) is a 404, never a 500; the message names no key (keys carry UIDs).

const CODE_FOR_STATUS: Record<number, ErrorCode> = {
  400: 'BAD_REQUEST', 404: 'NOT_FOUND', 405: 'METHOD_NOT_ALLOWED', 406: 'NOT_ACCEPTABLE',
  413: 'PAYLOAD_TOO_LARGE', 415: 'UNSUPPORTED_MEDIA_TYPE', 429: 'RATE_LIMITED',
};

const GENERIC_MESSAGE: Partial<Record<ErrorCode, string>> = {
  BAD_REQUEST: 'Malformed request: check the body is valid for its Content-Type',
  PAYLOAD_TOO_LARGE: 'Request body too large',
  UNSUPPORTED_MEDIA_TYPE: 'Unsupported Content-Type for this route',
};

function send(reply: FastifyReply, request: FastifyRequest, code: ErrorCode, message: string, details?: unknown) {
  const body: ErrorResponse = { error: { code, message, requestId: request.id, ...(details !== undefined ? { details } : {}) } };
  return reply.code(ERROR_STATUS[code]).type('application/json').send(body);
}

function validationProblems(error: FastifyError) {
  if (!hasZodFastifySchemaValidationErrors(error)) return [];
  return error.validation.map((v) => ({
    path: [error.validationContext, ...v.instancePath.split('/').filter(Boolean)].filter(Boolean).join('.'),
    message: v.message ?? 'invalid',
  }));
}

export const errorsPlugin = fp(
  async (app) => {
    app.setErrorHandler((error: FastifyError, request, reply) => {
      if (error instanceof AppError) {
        if (error.status >= 500) request.log.error({ err: error }, 'request failed');
        return send(reply, request, error.code, error.message, error.details);
      }
      if (error instanceof ObjectNotFoundError) return send(reply, request, 'NOT_FOUND', 'Instance not found: its de-identified object has been erased');
      if (hasZodFastifySchemaValidationErrors(error)) {
        const problems = validationProblems(error);
        return send(reply, request, 'VALIDATION_FAILED', `Invalid request: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`, { problems });
      }
      const status = error.statusCode ?? 500;
      if (status >= 400 && status < 500) {
        const code = CODE_FOR_STATUS[status] ?? 'BAD_REQUEST';
        return send(reply, request, code, GENERIC_MESSAGE[code] ?? 'Request refused', error.code ? { reason: error.code } : undefined);
      }
      request.log.error({ err: error }, 'unhandled error');
      return send(reply, request, 'INTERNAL', 'Internal error: the request id identifies it in our logs');
    });

    app.setNotFoundHandler((request, reply) =>
      send(reply, request, 'NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}: see /docs for the API`),
    );
  },
  { name: 'errors' },
);
