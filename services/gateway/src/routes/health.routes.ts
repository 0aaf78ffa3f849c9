import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { postgresCheck } from '@medgrade/service';
import type { ReadinessCheck } from '../deps.ts';

const CHECK_TIMEOUT_MS = 2000;

const ReadySchema = z.object({
  status: z.enum(['ok', 'unavailable']),
  checks: z.record(z.string(), z.enum(['ok', 'fail'])),
});

async function runCheck(check: ReadinessCheck): Promise<'ok' | 'fail'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${check.name} check timed out`)), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([check.check(), timeout]);
    return 'ok';
  } catch {
    return 'fail';
  } finally {
    clearTimeout(timer);
  }
}

/** Liveness (the process answers) and readiness (Postgres, Redis and every plugged-in check). */
export const healthRoutes: FastifyPluginAsyncZod = async (app) => {
  const { prisma, redis, config, readinessChecks = [] } = app.deps;
  const checks: ReadinessCheck[] = [
    // The check every service runs at start-up (reachable and migrated), not a query of its own.
    postgresCheck(prisma, config.database.url),
    { name: 'redis', check: async () => void (await redis.ping()) },
    ...readinessChecks,
  ];

  app.get('/health/live', {
    config: { public: true },
    schema: { tags: ['operations'], operationId: 'health.live', summary: 'Liveness probe', response: { 200: z.object({ status: z.literal('ok') }) } },
  }, async () => ({ status: 'ok' as const }));

  app.get('/health/ready', {
    config: { public: true },
    schema: { tags: ['operations'], operationId: 'health.ready', summary: 'Readiness probe: Postgres, Redis, object store', response: { 200: ReadySchema, 503: ReadySchema } },
  }, async (request, reply) => {
    const results = await Promise.all(checks.map(async (c) => [c.name, await runCheck(c)] as const));
    const failed = results.filter(([, r]) => r === 'fail').map(([n]) => n);
    if (failed.length > 0) request.log.warn({ failed }, 'readiness check failed');
    return reply.code(failed.length ? 503 : 200).send({ status: failed.length ? 'unavailable' : 'ok', checks: Object.fromEntries(results) });
  });
};
