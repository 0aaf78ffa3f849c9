// Issue 14.7: a revocation reaches every gateway process at once, whether the API or
// `medgrade keys revoke` (the real CLI, a child process) revoked it: two gateways on the same
// database and Redis cache keys for a minute, so only the broadcast can make them refuse the key.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '@medgrade/db';
import { buildApp } from '../src/app.ts';
import { createTestGateway, type TestGateway } from './gateway.harness.ts';

const run = promisify(execFile);

describe('key revocation reaches every gateway process', () => {
  let gw: TestGateway;
  let gateways: FastifyInstance[];
  beforeAll(async () => {
    gw = await createTestGateway({ API_KEY_CACHE_TTL_MS: '60000' });
    const second = await buildApp({ config: gw.config, prisma: gw.db.prisma, redis: gw.redis, inference: gw.app.deps.inference });
    await second.ready();
    gateways = [gw.app, second];
  });
  afterAll(async () => {
    await gateways?.[1]?.close();
    await gw?.close();
  });

  const statuses = (auth: string) => Promise.all(gateways.map(async (app) => (await app.inject({ url: '/v1/me', headers: { authorization: auth } })).statusCode));

  it('medgrade keys revoke makes both gateways refuse a key they hold in cache', async () => {
    const key = await gw.key('cli-revoke', ['audit:read']);
    expect(await statuses(key.auth)).toEqual([200, 200]);
    const prefix = key.auth.split('_')[1]!;
    const { stdout } = await run(path.join(REPO_ROOT, 'node_modules/.bin/tsx'), ['packages/cli/src/main.ts', 'keys', 'revoke', prefix], {
      cwd: REPO_ROOT,
      env: { ...process.env, DATABASE_URL: gw.db.url, REDIS_URL: gw.config.redis.url, REDIS_KEY_PREFIX: gw.config.redis.keyPrefix },
    });
    expect(JSON.parse(stdout)).toEqual({ revoked: key.keyId, orgId: key.orgId });
    await expect.poll(() => statuses(key.auth), { timeout: 10_000 }).toEqual([401, 401]);
  });

  it('DELETE /v1/api-keys/{id} on one gateway makes both refuse the key', async () => {
    const admin = await gw.key('api-revoke', ['admin']);
    const key = await gw.key('api-revoke', ['audit:read']);
    expect(await statuses(key.auth)).toEqual([200, 200]);
    const res = await gateways[1]!.inject({ method: 'DELETE', url: `/v1/api-keys/${key.keyId}`, headers: { authorization: admin.auth } });
    expect(res.statusCode).toBe(200);
    await expect.poll(() => statuses(key.auth), { timeout: 10_000 }).toEqual([401, 401]);
  });
});
