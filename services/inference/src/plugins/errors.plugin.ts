// The one error path of the inference service (STYLE.md 5): every failure becomes
// `{ error: { code, message, details?, requestId } }` with the status from packages/contracts.
import { AppError, ERROR_STATUS, type ErrorCode } from '@medgrade/contracts';
import { BundleInvalidError, ModelInputError, PixelDecodeError } from '@medgrade/models';
import type { FastifyError, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';

interface Rendered {
  code: ErrorCode;
  message: string;
  details?: unknown;
}

/** Domain error → code, message and details (never PHI, nothing internal for 5xx). */
export function renderError(error: unknown): Rendered {
  if (error instanceof AppError) return { code: error.code, message: error.message, details: error.details };
  if (error instanceof BundleInvalidError) return { code: 'UNPROCESSABLE', message: 'the model version failed verification and cannot be served', details: { problems: error.problems } };
  if (error instanceof PixelDecodeError) return { code: 'UNPROCESSABLE', message: error.message, details: { reason: error.code } };
  if (error instanceof ModelInputError) return { code: 'BAD_REQUEST', message: error.message };
  const fe = error as FastifyError;
  if (hasZodFastifySchemaValidationErrors(fe)) {
    const problems = fe.validation.map((v) => ({ path: `${fe.validationContext ?? 'body'}${v.instancePath.replace(/\//g, '.')}`, message: v.message ?? 'invalid' }));
    return { code: 'VALIDATION_FAILED', message: 'The request is invalid: see details.problems', details: { problems } };
  }
  if (fe.statusCode === 413) return { code: 'PAYLOAD_TOO_LARGE', message: 'The request body is too large' };
  if (fe.statusCode === 415) return { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Send application/json' };
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) return { code: 'BAD_REQUEST', message: 'The request could not be read: send valid JSON' };
  return { code: 'INTERNAL', message: 'Internal error' };
}

export const errorsPlugin = fp(
  async (app: FastifyInstance) => {
    app.setErrorHandler((error, request, reply) => {
      const r = renderError(error);
      const status = ERROR_STATUS[r.code];
      if (status >= 500) request.log.error({ err: error }, 'request failed');
      return reply.status(status).send({ error: { code: r.code, message: r.message, ...(r.details === undefined ? {} : { details: r.details }), requestId: request.id } });
    });
    app.setNotFoundHandler((request, reply) =>
      reply.status(404).send({ error: { code: 'NOT_FOUND', message: `Route ${request.method} ${request.url.split('?')[0]} not found`, requestId: request.id } }),
    );
  },
  { name: 'errors' },
);
