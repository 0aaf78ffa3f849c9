import type { Config } from '@medgrade/config';
import type { PrismaClient } from '@medgrade/db';
import type { Redis } from 'ioredis';

// Start-up checks that fail with a message saying how to fix the problem.

export async function assertPostgres(prisma: PrismaClient, config: Config): Promise<void> {
  const where = new URL(config.database.url);
  try {
    await prisma.$queryRaw`SELECT 1 FROM "_prisma_migrations" LIMIT 1`;
  } catch (error) {
    const text = String((error as Error).message);
    if (/_prisma_migrations|does not exist/.test(text)) {
      throw new Error(`Database ${where.pathname.slice(1)} at ${where.host} is missing or not migrated: run \`pnpm --silent medgrade migrate\``, { cause: error });
    }
    throw new Error(`PostgreSQL not reachable at ${where.host}: start it (pg_ctlcluster 15 main start, or docker compose up -d postgres) or set DATABASE_URL`, { cause: error });
  }
}

export async function assertRedis(redis: Redis, config: Config): Promise<void> {
  try {
    await redis.ping();
  } catch (error) {
    throw new Error(`Redis not reachable at ${new URL(config.redis.url).host}: start it (redis-server --daemonize yes, or docker compose up -d redis) or set REDIS_URL`, { cause: error });
  }
}
