import { describe, expect, it } from 'vitest';
import { ErrorResponseSchema } from './error.schema.ts';
import { AppError, ERROR_STATUS, NotFoundError, RateLimitedError, ValidationError, renderError } from './errors.ts';
import { JobPayloadBase, defineJob } from './jobs.ts';

describe('errors', () => {
  it('renders the typed errors of the packages below contracts through the one table', () => {
    const typed = (name: string, code: string, message: string, extra: object = {}) => Object.assign(new Error(message), { name, code, ...extra });
    expect(renderError(typed('PixelDecodeError', 'TOO_LARGE', 'frame too large'))).toEqual({ code: 'UNPROCESSABLE', message: 'frame too large', details: { reason: 'TOO_LARGE' } });
    expect(renderError(typed('ModelInputError', 'MODEL_INPUT_INVALID', 'expected CR or DX'))).toEqual({ code: 'BAD_REQUEST', message: 'expected CR or DX' });
    expect(renderError(typed('BundleInvalidError', 'BUNDLE_INVALID', 'x', { problems: ['sha256 mismatch'] }))).toMatchObject({ code: 'UNPROCESSABLE', details: { problems: ['sha256 mismatch'] } });
    // Messages that may name keys or offsets are replaced.
    expect(renderError(typed('ObjectNotFoundError', 'OBJECT_NOT_FOUND', 'object not found: deid/o/p/1.2.3/4.5/6.dcm'))).toEqual({ code: 'NOT_FOUND', message: 'Instance not found: its de-identified object has been erased' });
    expect(renderError(typed('DicomError', 'TRUNCATED', 'element at 0x1234 truncated'))?.message).not.toContain('0x1234');
    expect(renderError(typed('DeidError', 'NOT_DICOM', 'not a DICOM file'))).toMatchObject({ code: 'UNPROCESSABLE', details: { reason: 'NOT_DICOM' } });
    expect(renderError(new NotFoundError('Project'))).toMatchObject({ code: 'NOT_FOUND', message: 'Project not found' });
    expect(renderError(new Error('boom'))).toBeUndefined();
    expect(renderError(typed('SomethingElse', 'X', 'y'))).toBeUndefined();
  });

  it('maps each code to one HTTP status', () => {
    expect(ERROR_STATUS.NOT_FOUND).toBe(404);
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
