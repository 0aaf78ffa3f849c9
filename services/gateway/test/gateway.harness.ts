import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { FastifyInstance } from 'fastify';
import { ApiKeyService } from '@medgrade/auth';
import { childProcessEnv, loadConfig, type Config } from '@medgrade/config';
import type { Scope } from '@medgrade/contracts';
import { createTestDatabase, newProjectSecretCiphertext, type TestDatabase } from '@medgrade/db';
import { InferenceServiceClient } from '@medgrade/inference-runs';
import { buildApp } from '../src/app.ts';
import type { GatewayDeps } from '../src/deps.ts';

/** A gateway on its own database and Redis key prefix, built exactly as main.ts builds it. */
export interface TestGateway {
  app: FastifyInstance;
  db: TestDatabase;
  redis: Redis;
  config: Config;
  /** Create an organization (if missing) and a key in it; returns the bearer header value. */
  key(orgSlug: string, scopes: Scope[], projectId?: string): Promise<{ auth: string; orgId: string; keyId: string }>;
  project(orgId: string, slug: string): Promise<string>;
  close(): Promise<void>;
}

export async function createTestGateway(env: Record<string, string> = {}, extra: Partial<GatewayDeps> = {}): Promise<TestGateway> {
  const db = await createTestDatabase();
  const config = loadConfig(childProcessEnv({ DATABASE_URL: db.url, REDIS_KEY_PREFIX: `test-${randomBytes(4).toString('hex')}`, LOG_LEVEL: 'silent', ...env }));
  const redis = new Redis(config.redis.url);
  const inference = new InferenceServiceClient(config.inference.url, config.inference.serviceToken, config.inference.clientTimeoutMs);
  const app = await buildApp({ config, prisma: db.prisma, redis, inference, ...extra });
  await app.ready();
  const keys = new ApiKeyService(db.prisma, { cacheTtlMs: 0 });
  const secretKey = config.secrets.projectSecretKeyBytes;
  return {
    app,
    db,
    redis,
    config,
    async key(orgSlug, scopes, projectId) {
      const org = await db.prisma.organization.upsert({ where: { slug: orgSlug }, create: { slug: orgSlug, name: orgSlug.toUpperCase() }, update: {} });
      const { row, key } = await keys.create({ orgId: org.id, scopes, projectId });
      return { auth: `Bearer ${key}`, orgId: org.id, keyId: row.id };
    },
    async project(orgId, slug) {
      const p = await db.prisma.project.create({ data: { orgId, slug, name: slug, secretCiphertext: newProjectSecretCiphertext(secretKey) } });
      return p.id;
    },
    async close() {
      await app.close();
      const stale = await redis.keys(`${config.redis.keyPrefix}:*`);
      if (stale.length > 0) await redis.del(...stale);
      await redis.quit();
      await db.drop();
    },
  };
}
