// The gateway's client of services/inference: the internal study route with the service
// credential. Transport failures become 503 (retryable), the service's own errors keep their code.
import { AppError, ServiceUnavailableError, InternalInferResponseSchema, type ErrorCode, type InternalInferRequest, type InternalInferResponse } from '@medgrade/contracts';

/** What the gateway needs from the inference service. */
export interface InferenceClient {
  infer(request: InternalInferRequest, signal?: AbortSignal): Promise<InternalInferResponse>;
}

interface ErrorBody {
  error?: { code?: string; message?: string; details?: unknown };
}

/** HTTP client for `POST /internal/v1/infer`. */
export function httpInferenceClient(baseUrl: string, serviceToken: string): InferenceClient {
  const url = new URL('/internal/v1/infer', baseUrl);
  return {
    async infer(request, signal) {
      let res: Response;
      try {
        res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${serviceToken}` }, body: JSON.stringify(request), ...(signal ? { signal } : {}) });
      } catch {
        throw new ServiceUnavailableError('The inference service is not reachable: retry later');
      }
      const body = (await res.json().catch(() => ({}))) as unknown;
      if (res.ok) return InternalInferResponseSchema.parse(body);
      const err = (body as ErrorBody).error;
      // 401 here means the gateway's own credential is wrong: an outage, not the caller's fault.
      if (res.status === 401 || res.status >= 500 && res.status !== 504) throw new ServiceUnavailableError('The inference service failed: retry later');
      throw new AppError((err?.code ?? 'BAD_REQUEST') as ErrorCode, err?.message ?? 'inference failed', err?.details);
    },
  };
}
