import { NotFoundError, isDependencyOutage } from '@medgrade/contracts';
import type { FastifyError } from 'fastify';
import { describe, expect, it } from 'vitest';
import { renderHttpError } from './http-errors.ts';

// Shapes of what the platform's clients throw when their server is gone (names and codes as the
// libraries set them: Prisma's P1001 "Can't reach database server", a refused socket, an S3 503).
function prismaUnreachable(): Error {
  return Object.assign(new Error("Can't reach database server at 127.0.0.1:5432"), { name: 'PrismaClientKnownRequestError', code: 'P1001' });
}
const socketRefused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9000'), { code: 'ECONNREFUSED' });
const s3Unavailable = () => Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } });

describe('renderHttpError', () => {
  it('answers 503 SERVICE_UNAVAILABLE with a retry hint when Postgres, a socket or the object store is down', () => {
    for (const error of [prismaUnreachable(), new Error('upload failed', { cause: socketRefused() }), s3Unavailable()]) {
      expect(isDependencyOutage(error)).toBe(true);
      expect(renderHttpError(error as FastifyError)).toMatchObject({ code: 'SERVICE_UNAVAILABLE', details: { retryAfterSeconds: 5 } });
    }
  });

  it('keeps other failures a 500 that says nothing internal, and domain errors as the table says', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'id')");
    expect(isDependencyOutage(bug)).toBe(false);
    expect(renderHttpError(bug as FastifyError)).toEqual({ code: 'INTERNAL', message: 'Internal error: the request id identifies it in our logs' });
    const uniqueViolation = Object.assign(new Error('Unique constraint failed'), { name: 'PrismaClientKnownRequestError', code: 'P2002' });
    expect(renderHttpError(uniqueViolation as FastifyError).code).toBe('INTERNAL');
    expect(renderHttpError(new NotFoundError('No study x') as unknown as FastifyError).code).toBe('NOT_FOUND');
  });
});
