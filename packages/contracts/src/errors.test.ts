import { describe, expect, it } from 'vitest';
import { ErrorResponseSchema } from './error.schema.ts';
import { AppError, ERROR_STATUS, NotFoundError, RateLimitedError, ValidationError, statusForCode } from './errors.ts';
import { JobPayloadBase, defineJob } from './jobs.ts';

describe('errors', () => {
  it('maps each code to one HTTP status', () => {
    expect(statusForCode('NOT_FOUND')).toBe(404);
    expect(new NotFoundError('Project').status).toBe(404);
    expect(new ValidationError('bad', [{ path: 'body.x', message: 'Required' }]).details).toEqual({
      problems: [{ path: 'body.x', message: 'Required' }],
    });
    expect(new RateLimitedError(3).status).toBe(429);
    for (const status of Object.values(ERROR_STATUS)) expect(status).toBeGreaterThanOrEqual(400);
  });

  it('names subclasses for logs and keeps the code', () => {
    const error = new NotFoundError('Project');
    expect(error).toBeInstanceOf(AppError);
    expect(error.name).toBe('NotFoundError');
    expect(error.message).toBe('Project not found');
  });

  it('validates the error envelope', () => {
    expect(ErrorResponseSchema.safeParse({ error: { code: 'NOT_FOUND', message: 'x', requestId: 'r' } }).success).toBe(true);
    expect(ErrorResponseSchema.safeParse({ error: { code: 'NOPE', message: 'x', requestId: 'r' } }).success).toBe(false);
  });
});

describe('defineJob', () => {
  it('keeps the definition and refuses queue names with a colon', () => {
    const payload = JobPayloadBase.extend({ thingId: JobPayloadBase.shape.requestId });
    const def = defineJob({ name: 'ThingDo', queue: 'things', payload, retry: { attempts: 3, backoff: { type: 'exponential', delayMs: 100 } }, jobId: (p) => `thing-${p.thingId}` });
    expect(def.jobId({ requestId: 'r', thingId: 't1' })).toBe('thing-t1');
    expect(() => defineJob({ ...def, queue: 'a:b' })).toThrow(/must not contain/);
  });
});
