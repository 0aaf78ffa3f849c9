// The CLI's HTTP client for the gateway's public API: what any client would send, the key as a
// Bearer token. URL and key come from flags, else MEDGRADE_URL / MEDGRADE_API_KEY (packages/config).
import { readFile } from 'node:fs/promises';
import type { Config } from '@medgrade/config';
import { UsageError } from './command.ts';

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

/** The client for `--url`/`--key-file` when given, else the configured MEDGRADE_URL / MEDGRADE_API_KEY. */
export async function clientFrom(config: Config, flags: { url?: string | undefined; 'key-file'?: string | undefined }): Promise<GatewayClient> {
  const key = flags['key-file'] ? (await readFile(flags['key-file'], 'utf8')).trim() : config.client.apiKey;
  if (!key) throw new UsageError('no API key: set MEDGRADE_API_KEY or pass --key-file FILE');
  return gatewayClient(flags.url ?? config.client.url, key);
}

/** Throws with the API's error (code and message; never a request body). */
export function fail(step: string, res: GatewayResponse): never {
  throw new Error(`${step} failed with HTTP ${res.status}: ${JSON.stringify(res.json.error ?? res.json)}`);
}
