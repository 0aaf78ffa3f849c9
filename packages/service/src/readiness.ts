// Readiness checks every service runs before it starts work, each failing with a message that says
// how to fix the problem (STYLE.md 15). The gateway serves the same checks on /health/ready.
import type { PrismaClient } from '@medgrade/db';
import type { ObjectStore } from '@medgrade/storage';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';

/** One dependency a process needs; check() resolves when it is usable and throws saying how to fix it. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

/** Postgres reachable and migrated. */
export function postgresCheck(prisma: Pick<PrismaClient, '$queryRaw'>, databaseUrl: string): ReadinessCheck {
  const where = new URL(databaseUrl);
  return {
    name: 'postgres',
    async check() {
      try {
        await prisma.$queryRaw`SELECT 1 FROM "_prisma_migrations" LIMIT 1`;
      } catch (error) {
        const text = String((error as Error).message);
        if (/_prisma_migrations|does not exist/.test(text)) {
          throw new Error(`Database ${where.pathname.slice(1)} at ${where.host} is missing or not migrated: run \`pnpm --silent medgrade migrate\``, { cause: error });
        }
        throw new Error(`PostgreSQL not reachable at ${where.host}: start it (pg_ctlcluster 15 main start, or docker compose up -d postgres) or set DATABASE_URL`, { cause: error });
      }
    },
  };
}

/** Redis answers PING: through the process's own client, or a short-lived one when none is given. */
export function redisCheck(redisUrl: string, client?: Redis): ReadinessCheck {
  return {
    name: 'redis',
    async check() {
      const redis = client ?? new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      // The failure is reported below; without a listener ioredis also prints it as unhandled.
      if (!client) redis.on('error', () => {});
      try {
        if (redis.status === 'wait') await redis.connect();
        await redis.ping();
      } catch (error) {
        throw new Error(`Redis not reachable at ${new URL(redisUrl).host}: start it (redis-server --daemonize yes, or docker compose up -d redis) or set REDIS_URL`, { cause: error });
      } finally {
        if (!client) redis.disconnect();
      }
    },
  };
}

/** The object store accepts a write (its own message names the folder or bucket and the settings). */
export function objectStoreCheck(store: ObjectStore): ReadinessCheck {
  return { name: 'objectStore', check: () => store.check() };
}

/** Runs every check; on any failure logs each how-to-fix message, runs cleanup and exits 1. */
export async function assertReady(log: Logger, checks: ReadinessCheck[], cleanup?: () => Promise<void> | void): Promise<void> {
  const results = await Promise.allSettled(checks.map((c) => c.check()));
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [String((r.reason as Error).message)] : []));
  if (failures.length === 0) return;
  for (const message of failures) log.fatal(message);
  await cleanup?.();
  process.exit(1);
}
