// The gateway's client of services/inference: the internal study route with the service
// credential. Transport failures become 503 (retryable), the service's own errors keep their code
// (the same mapping as the OIP passthrough: `upstreamError`).
import { ServiceUnavailableError, InternalInferResponseSchema, type InternalInferRequest, type InternalInferResponse } from '@medgrade/contracts';
import { upstreamError } from '../oip/oip.upstream.ts';

/** What the gateway needs from the inference service. */
export interface InferenceClient {
  infer(request: InternalInferRequest, signal?: AbortSignal): Promise<InternalInferResponse>;
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
      if (!res.ok) throw await upstreamError(res);
      return InternalInferResponseSchema.parse(await res.json());
    },
  };
}
