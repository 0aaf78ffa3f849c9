import type { ErrorResponse } from './generated/types.gen.ts';

/**
 * An error code the API answers with; UNEXPECTED_RESPONSE for an answer that is not the API's
 * (a proxy's 502 page, an unreadable body); NETWORK_ERROR when no answer came (status 0).
 */
export type MedgradeErrorCode = ErrorResponse['error']['code'] | 'UNEXPECTED_RESPONSE' | 'NETWORK_ERROR';

function isEnvelope(body: unknown): body is ErrorResponse {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  return typeof error?.code === 'string' && typeof error.message === 'string';
}

/** Every failed call throws this: the API's `{ error: { code, message, details?, requestId } }` with the HTTP status. */
export class MedgradeError extends Error {
  readonly code: MedgradeErrorCode;
  readonly status: number;
  /** The gateway's request id (also in its logs); null when the answer did not come from the gateway. */
  readonly requestId: string | null;
  readonly details: unknown;

  constructor(init: { code: MedgradeErrorCode; status: number; message: string; requestId: string | null; details?: unknown }, options?: ErrorOptions) {
    super(init.message, options);
    this.name = 'MedgradeError';
    this.code = init.code;
    this.status = init.status;
    this.requestId = init.requestId;
    this.details = init.details;
  }

  /** From what the generated client threw: a failed response's parsed body, or a fetch/parse error. */
  static fromResponse(body: unknown, response: Response | undefined): MedgradeError {
    if (body instanceof MedgradeError) return body;
    if (!response) return new MedgradeError({ code: 'NETWORK_ERROR', status: 0, message: `No answer from the gateway: ${(body as Error)?.message ?? String(body)}`, requestId: null }, { cause: body });
    const status = response.status;
    if (body instanceof Error) return new MedgradeError({ code: 'UNEXPECTED_RESPONSE', status, message: `Unreadable answer (HTTP ${status}): ${body.message}`, requestId: response.headers.get('x-request-id') }, { cause: body });
    const headerId = response.headers.get('x-request-id');
    if (isEnvelope(body)) {
      const { code, message, details, requestId } = body.error;
      return new MedgradeError({ code, status, message, requestId: requestId ?? headerId, details });
    }
    const text = typeof body === 'string' ? body.slice(0, 200) : '';
    return new MedgradeError({ code: 'UNEXPECTED_RESPONSE', status, message: `HTTP ${status} without an error envelope${text ? `: ${text}` : ''}`, requestId: headerId, details: body });
  }

  /** True for statuses worth retrying later (429 rate limit, 503 unavailable). */
  get retryable(): boolean {
    return this.status === 429 || this.status === 503;
  }
}
