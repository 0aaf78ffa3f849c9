// The OpenAPI document without a running server: the real app (every route and plugin) built
// with adapters that refuse to be used, so `pnpm generate:sdk` and the lint test need neither
// Postgres nor Redis. Only registration runs; a handler reaching an adapter is a bug it reports.
import { EventEmitter } from 'node:events';
import type { PrismaClient } from '@medgrade/db';
import type { InferenceServiceClient } from '@medgrade/inference-runs';
import type { Redis } from 'ioredis';
import { loadConfig } from '@medgrade/config';
import { buildApp } from './app.ts';

/** The server URL the committed document and SDK carry; callers pass their own base URL. */
export const DOCUMENT_SERVER_URL = 'http://127.0.0.1:8080';

function refusing<T extends object>(what: string): T {
  return new Proxy({} as T, {
    get(_target, property) {
      // Awaiting or logging an adapter is fine; calling it is not.
      if (property === 'then') return undefined;
      throw new Error(`document-only gateway: ${what}.${String(property)} used while building the OpenAPI document`);
    },
  });
}

/** Redis as the auth plugin's revocation subscriber needs it at registration, and nothing more. */
function idleRedis(): Redis {
  const subscriber = Object.assign(new EventEmitter(), { subscribe: async () => 1, quit: async () => 'OK' });
  const redis = refusing<Redis>('redis');
  return new Proxy(redis, { get: (target, property) => (property === 'duplicate' ? () => subscriber : Reflect.get(target, property)) });
}

/** Build the gateway's OpenAPI 3.1 document from its routes, offline, with default limits. */
export async function buildOpenApiDocument(): Promise<Record<string, unknown>> {
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', GATEWAY_PUBLIC_URL: DOCUMENT_SERVER_URL, PROJECT_SECRET_KEY: '0'.repeat(64), INFERENCE_SERVICE_TOKEN: 'document-only-inference-token' });
  const app = await buildApp({ config, prisma: refusing<PrismaClient>('prisma'), redis: idleRedis(), inference: refusing<InferenceServiceClient>('inference') });
  try {
    await app.ready();
    return app.swagger() as unknown as Record<string, unknown>;
  } finally {
    await app.close();
  }
}
