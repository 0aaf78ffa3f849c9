// The gateway's client of services/inference: the internal study route with the service
// credential. Every call is bounded by INFERENCE_CLIENT_TIMEOUT_MS (fetchService): past it the
// call fails with TIMEOUT and the closed connection makes the service drop the work, so a run
// never hangs on a stuck service. Transport failures become 503 (retryable), the service's own
// errors keep their code (the same mapping as the OIP passthrough: `upstreamError`).
import { ServiceUnavailableError, InternalInferResponseSchema, type InternalInferRequest, type InternalInferResponse } from '@medgrade/contracts';
import { fetchService, upstreamError } from '../oip/oip.upstream.ts';

/** What the gateway needs from the inference service. */
export interface InferenceClient {
  infer(request: InternalInferRequest, signal?: AbortSignal): Promise<InternalInferResponse>;
}

/** HTTP client for `POST /internal/v1/infer`; each call fails with TIMEOUT after `timeoutMs`. */
export function httpInferenceClient(baseUrl: string, serviceToken: string, timeoutMs: number): InferenceClient {
  const url = new URL('/internal/v1/infer', baseUrl);
  return {
    async infer(request, signal) {
      const headers = { 'content-type': 'application/json', authorization: `Bearer ${serviceToken}` };
      const res = await fetchService(url, { method: 'POST', headers, body: JSON.stringify(request), ...(signal ? { signal } : {}) }, timeoutMs);
      if (!res.ok) throw await upstreamError(res);
      const body: unknown = await res.json().catch(() => {
        throw new ServiceUnavailableError('The inference service broke off its answer: retry later');
      });
      return InternalInferResponseSchema.parse(body);
    },
  };
}
