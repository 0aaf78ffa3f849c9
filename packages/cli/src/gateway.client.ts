// The CLI's HTTP client for the gateway's public API: what any client would send, the key as a
// Bearer token. URL and key come from flags, else MEDGRADE_URL / MEDGRADE_API_KEY (packages/config).
import type { Config } from '@medgrade/config';
import { resolveCredentials } from './client/credentials.ts';

export interface GatewayResponse {
  status: number;
  json: Record<string, unknown>;
}

export interface GatewayClient {
  /** JSON body for plain objects, FormData as multipart, a string with `contentType` as is. */
  call(method: string, path: string, body?: unknown, contentType?: string): Promise<GatewayResponse>;
}

export function gatewayClient(baseUrl: string, key: string): GatewayClient {
  return {
    async call(method, path, body, contentType) {
      const isForm = body instanceof FormData;
      const type = contentType ?? (body !== undefined && !isForm ? 'application/json' : undefined);
      const res = await fetch(new URL(path, baseUrl), {
        method,
        headers: { authorization: `Bearer ${key}`, ...(type ? { 'content-type': type } : {}) },
        ...(body !== undefined ? { body: isForm || typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      return { status: res.status, json: (await res.json().catch(() => ({}))) as Record<string, unknown> };
    },
  };
}

/** The client for `--url`/`--key-file`, else MEDGRADE_URL / MEDGRADE_API_KEY, else `medgrade login`'s (client/credentials.ts). */
export async function clientFrom(config: Config, flags: { url?: string | undefined; 'key-file'?: string | undefined }): Promise<GatewayClient> {
  const { url, apiKey } = await resolveCredentials(config, flags);
  return gatewayClient(url, apiKey);
}

/** Throws with the API's error (code and message; never a request body). */
export function fail(step: string, res: GatewayResponse): never {
  throw new Error(`${step} failed with HTTP ${res.status}: ${JSON.stringify(res.json.error ?? res.json)}`);
}
