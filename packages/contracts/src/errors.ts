// One error path (STYLE.md 5): domain code throws an AppError subclass carrying a code, or one of
// the typed errors of the packages below contracts (DOMAIN_ERRORS); renderError turns either into
// code, message and details, and the one HTTP error handler (@medgrade/service/http, used by the
// gateway and the inference service) looks the code up in ERROR_STATUS and renders ErrorResponse.
// 4xx messages say what to fix; 5xx messages say nothing internal.

/** Every error code the API can return, with its HTTP status. Add new codes here (one table). */
export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  BAD_REQUEST: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  NOT_ACCEPTABLE: 406,
  CONFLICT: 409,
  MODEL_NOT_VALIDATED: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNPROCESSABLE: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  SERVICE_UNAVAILABLE: 503,
  TIMEOUT: 504,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** Base of every domain error. `details` must never carry PHI. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details?: unknown;
  constructor(code: ErrorCode, message: string, details?: unknown, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    if (details !== undefined) this.details = details;
  }
  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

/** One problem in a request, e.g. `{ path: 'body.scopes.0', message: 'Invalid option' }`. */
export interface ValidationProblem {
  path: string;
  message: string;
}

export class ValidationError extends AppError {
  constructor(message: string, problems: ValidationProblem[] = []) {
    super('VALIDATION_FAILED', message, { problems });
  }
}

export class BadRequestError extends AppError {
  constructor(message: string, details?: unknown) {
    super('BAD_REQUEST', message, details);
  }
}

export class UnauthenticatedError extends AppError {
  constructor(message = 'Missing or invalid API key: send Authorization: Bearer <key>') {
    super('UNAUTHENTICATED', message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message: string, details?: unknown) {
    super('FORBIDDEN', message, details);
  }
}

export class NotFoundError extends AppError {
  /** `what` names the kind, never the caller-supplied value (it could be PHI). */
  constructor(what: string) {
    super('NOT_FOUND', `${what} not found`);
  }
}

export class ConflictError extends AppError {
  constructor(message: string, details?: unknown) {
    super('CONFLICT', message, details);
  }
}

/** Releasing a draft that has not passed the evaluation gate without `override: true`. */
export class ModelNotValidatedError extends AppError {
  constructor() {
    super('MODEL_NOT_VALIDATED', 'This version is a draft: it has not passed the evaluation gate. Release a validated version, or send {"override": true} with the reason (audited as an override)');
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(message: string, details?: unknown) {
    super('PAYLOAD_TOO_LARGE', message, details);
  }
}

export class UnsupportedMediaTypeError extends AppError {
  constructor(message: string, details?: unknown) {
    super('UNSUPPORTED_MEDIA_TYPE', message, details);
  }
}

export class UnprocessableError extends AppError {
  constructor(message: string, details?: unknown) {
    super('UNPROCESSABLE', message, details);
  }
}

export class RateLimitedError extends AppError {
  /** `what` names the limit that was hit (default: the API key's request rate). */
  constructor(retryAfterSeconds: number, what = 'Rate limit exceeded for this API key') {
    super('RATE_LIMITED', `${what}: retry after ${retryAfterSeconds} s`, { retryAfterSeconds });
  }
}

export class ServiceUnavailableError extends AppError {
  constructor(message = 'Service temporarily unavailable: retry later') {
    super('SERVICE_UNAVAILABLE', message);
  }
}

/** Work that did not finish within its deadline (e.g. an inference past its timeout). */
export class TimeoutError extends AppError {
  constructor(message: string) {
    super('TIMEOUT', message);
  }
}

/** What a client is told about an error: never PHI, nothing internal for 5xx. */
export interface RenderedError {
  code: ErrorCode;
  message: string;
  details?: unknown;
}

/** A typed error of dicom, deid, models or storage, seen structurally (contracts imports none of them). */
interface DomainError extends Error {
  code: string;
  problems?: string[];
}

/**
 * The typed errors of the packages below contracts, by class name: the API code each maps to and
 * what the client is told. Their own messages hold no PHI (DeidError, PixelDecodeError,
 * ModelInputError say what is wrong with the input); DicomError's and ObjectNotFoundError's can
 * name offsets or object keys, so a fixed message replaces them.
 */
export const DOMAIN_ERRORS: Record<string, (error: DomainError) => RenderedError> = {
  DeidError: (e) => ({ code: 'UNPROCESSABLE', message: `The file could not be de-identified: ${e.message}`, details: { reason: e.code } }),
  DicomError: (e) => ({ code: 'UNPROCESSABLE', message: 'The DICOM data could not be read', details: { reason: e.code } }),
  PixelDecodeError: (e) => ({ code: 'UNPROCESSABLE', message: e.message, details: { reason: e.code } }),
  BundleInvalidError: (e) => ({ code: 'UNPROCESSABLE', message: 'the model version failed verification and cannot be served', details: { problems: e.problems } }),
  ModelInputError: (e) => ({ code: 'BAD_REQUEST', message: e.message }),
  ObjectNotFoundError: () => ({ code: 'NOT_FOUND', message: 'Instance not found: its de-identified object has been erased' }),
};

/** An AppError or a typed domain error as the client sees it; undefined for anything else. */
export function renderError(error: unknown): RenderedError | undefined {
  if (error instanceof AppError) return { code: error.code, message: error.message, details: error.details };
  if (!(error instanceof Error) || !Object.hasOwn(DOMAIN_ERRORS, error.name) || typeof (error as DomainError).code !== 'string') return undefined;
  return DOMAIN_ERRORS[error.name]!(error as DomainError);
}
