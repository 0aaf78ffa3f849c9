// The gateway's calls to services/inference for Open Inference Protocol v2: the service credential
// and the caller's organization on every call, the model always named with an exact version, and
// infer bodies forwarded as a stream (never parsed or re-encoded here). Transport failures and the
// service's 401/5xx become 503 (the caller can only retry); its 4xx and 504 keep their code.
import { AppError, ERROR_STATUS, ORG_HEADER, ServiceUnavailableError, TimeoutError, type ErrorCode } from '@medgrade/contracts';

/** The model version a call is for, already resolved and checked by the registry. */
export interface OipTarget {
  orgId: string;
  name: string;
  version: string;
}

interface ErrorBody {
  error?: { code?: string; message?: string; details?: unknown };
}

const CODE_FOR_STATUS: Record<number, ErrorCode> = { 404: 'NOT_FOUND', 413: 'PAYLOAD_TOO_LARGE', 415: 'UNSUPPORTED_MEDIA_TYPE', 422: 'UNPROCESSABLE', 429: 'RATE_LIMITED' };

function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_STATUS, code);
}

/** The medgrade error for a failed response of the inference service (its body read here). */
export async function upstreamError(res: Response): Promise<AppError> {
  const err = ((await res.json().catch(() => null)) as ErrorBody | null)?.error;
  // 401 means the gateway's own credential is wrong: an outage, not the caller's fault.
  if (res.status === 401 || (res.status >= 500 && res.status !== 504)) return new ServiceUnavailableError('The inference service failed: retry later');
  const code = isErrorCode(err?.code) ? err.code : res.status === 504 ? 'TIMEOUT' : (CODE_FOR_STATUS[res.status] ?? 'BAD_REQUEST');
  return new AppError(code, err?.message ?? 'The inference service refused the request', err?.details);
}

/** Client of the inference service's /v2 routes. */
export class OipUpstream {
  readonly #base: string;
  readonly #token: string;
  readonly #timeoutMs: number;

  /** `timeoutMs` backs up the service's own deadline (it answers 504 first when healthy). */
  constructor(baseUrl: string, serviceToken: string, timeoutMs: number) {
    this.#base = baseUrl;
    this.#token = serviceToken;
    this.#timeoutMs = timeoutMs;
  }

  /** POST …/infer with `body` streamed through; resolves with any status (see `upstreamError`). */
  infer(target: OipTarget, body: AsyncIterable<Uint8Array>, headers: Record<string, string>, signal: AbortSignal): Promise<Response> {
    return this.#fetch(this.#modelUrl(target, '/infer'), { method: 'POST', headers: { ...headers, ...this.#auth(target.orgId) }, body, duplex: 'half', signal });
  }

  /** GET metadata ('') or readiness ('/ready') of a version as JSON; failures throw. */
  async model(target: OipTarget, suffix: '' | '/ready', signal?: AbortSignal): Promise<unknown> {
    const res = await this.#fetch(this.#modelUrl(target, suffix), { headers: this.#auth(target.orgId), ...(signal ? { signal } : {}) });
    if (!res.ok) throw await upstreamError(res);
    return res.json();
  }

  /** Whether the inference service reports itself ready (its object store reachable). */
  async ready(timeoutMs: number): Promise<boolean> {
    try {
      const res = await fetch(new URL('/v2/health/ready', this.#base), { signal: AbortSignal.timeout(timeoutMs) });
      await res.body?.cancel();
      return res.ok;
    } catch {
      return false;
    }
  }

  #modelUrl(t: OipTarget, suffix: string): URL {
    return new URL(`/v2/models/${encodeURIComponent(t.name)}/versions/${encodeURIComponent(t.version)}${suffix}`, this.#base);
  }

  #auth(orgId: string): Record<string, string> {
    return { authorization: `Bearer ${this.#token}`, [ORG_HEADER]: orgId };
  }

  #fetch(url: URL, init: RequestInit & { signal?: AbortSignal }): Promise<Response> {
    return fetchService(url, init, this.#timeoutMs);
  }
}

/**
 * fetch() to the inference service within `timeoutMs`: past it the call is aborted (the service
 * sees the connection close and drops the queued work) and fails with TIMEOUT (504); a caller's
 * signal that aborted with an AppError throws that; any other failure is 503 (retry later).
 */
export async function fetchService(url: URL, init: RequestInit & { signal?: AbortSignal }, timeoutMs: number): Promise<Response> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
  try {
    return await fetch(url, { ...init, signal });
  } catch {
    if (init.signal?.aborted && init.signal.reason instanceof AppError) throw init.signal.reason;
    if (timeout.aborted) throw new TimeoutError(`The inference service did not answer within ${timeoutMs} ms`);
    throw new ServiceUnavailableError('The inference service is not reachable: retry later');
  }
}
