// The one client of services/inference, built once per process (the gateway's GatewayDeps, the
// inference worker): the service credential on every call, and every call bounded by
// INFERENCE_CLIENT_TIMEOUT_MS (fetchService): past it the call fails with TIMEOUT and the closed
// connection makes the service drop the work, so a run never hangs on a stuck service.
// - infer(): the internal study route (`POST /internal/v1/infer`, JSON, parsed here).
// - oipInfer()/oipModel()/ready(): Open Inference Protocol v2 for the gateway's /v2 passthrough, with
//   the caller's organization, the model always named with an exact version, and infer bodies
//   forwarded as a stream (never parsed or re-encoded here).
// Transport failures and the service's 401/5xx become 503 (the caller can only retry); its 4xx and
// 504 keep their code (`upstreamError`).
import { AppError, ERROR_STATUS, InternalInferResponseSchema, ORG_HEADER, ServiceUnavailableError, TimeoutError, type ErrorCode, type InternalInferRequest, type InternalInferResponse } from '@medgrade/contracts';

/** What a run needs from the inference service (tests may pass a fake). */
export interface InferenceClient {
  infer(request: InternalInferRequest, signal?: AbortSignal): Promise<InternalInferResponse>;
}

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

/** Client of the inference service: the internal study route and the /v2 routes. */
export class InferenceServiceClient implements InferenceClient {
  readonly #base: string;
  readonly #token: string;
  readonly #timeoutMs: number;

  /** `timeoutMs` backs up the service's own deadline (it answers 504 first when healthy). */
  constructor(baseUrl: string, serviceToken: string, timeoutMs: number) {
    this.#base = baseUrl;
    this.#token = serviceToken;
    this.#timeoutMs = timeoutMs;
  }

  /** POST /internal/v1/infer: de-identified instances through one model version. */
  async infer(request: InternalInferRequest, signal?: AbortSignal): Promise<InternalInferResponse> {
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${this.#token}` };
    const res = await this.#fetch(new URL('/internal/v1/infer', this.#base), { method: 'POST', headers, body: JSON.stringify(request), ...(signal ? { signal } : {}) });
    if (!res.ok) throw await upstreamError(res);
    const body: unknown = await res.json().catch(() => {
      throw new ServiceUnavailableError('The inference service broke off its answer: retry later');
    });
    return InternalInferResponseSchema.parse(body);
  }

  /** OIP POST …/infer with `body` streamed through; resolves with any status (see `upstreamError`). */
  oipInfer(target: OipTarget, body: AsyncIterable<Uint8Array>, headers: Record<string, string>, signal: AbortSignal): Promise<Response> {
    return this.#fetch(this.#modelUrl(target, '/infer'), { method: 'POST', headers: { ...headers, ...this.#auth(target.orgId) }, body, duplex: 'half', signal });
  }

  /** OIP GET metadata ('') or readiness ('/ready') of a version as JSON; failures throw. */
  async oipModel(target: OipTarget, suffix: '' | '/ready', signal?: AbortSignal): Promise<unknown> {
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
async function fetchService(url: URL, init: RequestInit & { signal?: AbortSignal }, timeoutMs: number): Promise<Response> {
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
