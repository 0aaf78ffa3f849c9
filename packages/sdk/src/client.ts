// createMedgrade: the generated client (src/generated) with what generation cannot add: the API
// key, retries on 429/503, MedgradeError for every failure, and byte responses for multipart
// media types (which the generated client would otherwise try to parse as JSON).
import { createClient, createConfig, type Client } from './generated/client/index.ts';
import { MedgradeApi } from './generated/sdk.gen.ts';
import { MedgradeError } from './errors.ts';
import { DEFAULT_RETRY, retryingFetch, type RetryPolicy } from './retry.ts';

export interface MedgradeOptions {
  /** The gateway, e.g. https://api.example.org (no trailing /v1). */
  baseUrl: string;
  /** An API key `mgk_…`; sent as `Authorization: Bearer`. */
  apiKey: string;
  /** Retries of 429/503 (default 4 attempts from 0.5 s, Retry-After honoured); `false` disables. */
  retry?: Partial<RetryPolicy> | false;
  /** fetch to use (default: the global one). */
  fetch?: typeof fetch;
  /** Extra headers on every request (e.g. X-Request-Id for tracing). */
  headers?: Record<string, string>;
}

/** The generated operations (`mg.uploads.create(…)`, `mg.studies.list(…)`) with the retry policy the helpers share. */
export class Medgrade extends MedgradeApi {
  readonly retry: RetryPolicy;
  constructor(client: Client, retry: RetryPolicy) {
    super({ client });
    this.retry = retry;
  }
  /** The configured generated client (interceptors, setConfig, raw requests). */
  get http(): Client {
    return this.client;
  }
}

/** Build a client for one gateway and API key. */
export function createMedgrade(options: MedgradeOptions): Medgrade {
  const retry: RetryPolicy = options.retry === false ? { ...DEFAULT_RETRY, attempts: 1 } : { ...DEFAULT_RETRY, ...options.retry };
  const inner = options.fetch ?? globalThis.fetch.bind(globalThis);
  const client = createClient(createConfig({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    auth: () => options.apiKey,
    throwOnError: true,
    fetch: retryingFetch(inner, retry) as typeof fetch,
    ...(options.headers ? { headers: options.headers } : {}),
  }));
  // multipart/related (WADO-RS) is bytes: read it as a Blob, as image/* and application/* are.
  client.interceptors.response.use((response, _request, opts) => {
    if (opts.parseAs === 'auto' && response.ok && response.headers.get('content-type')?.startsWith('multipart/')) opts.parseAs = 'blob';
    return response;
  });
  client.interceptors.error.use((error, response) => MedgradeError.fromResponse(error, response));
  return new Medgrade(client, retry);
}
