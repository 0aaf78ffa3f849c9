// Gateway entry point: only composes (STYLE.md 1). Load config, build adapters, check readiness,
// build the app, listen, and drain everything on SIGTERM/SIGINT. It serves HTTP and enqueues; the
// queues are worked by services/deid-worker and services/inference-worker (STYLE.md 19).
import { Redis } from 'ioredis';
import { createPrismaClient } from '@medgrade/db';
import { JOB_CATALOG } from '@medgrade/contracts';
import { InferenceServiceClient } from '@medgrade/inference-runs';
import { createProducer } from '@medgrade/queue';
import { assertReady, closeOnSignal, loadConfigOrExit, objectStoreCheck, postgresCheck, redisCheck, serviceLogger } from '@medgrade/service';
import { createObjectStore } from '@medgrade/storage';
import { buildApp } from './app.ts';

const config = loadConfigOrExit();
const logger = serviceLogger('gateway', config);
const prisma = createPrismaClient(config.database.url);
// Fail fast at start-up instead of queueing commands while Redis is down.
const redis = new Redis(config.redis.url, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: true });
// Raw uploads and de-identified objects; the readiness check reports the store with Postgres/Redis.
const store = createObjectStore(config.storage);
await assertReady(logger, [redisCheck(config.redis.url, redis), postgresCheck(prisma, config.database.url)], async () => {
  await prisma.$disconnect();
  redis.disconnect();
  store.close();
});

const queue = { redisUrl: config.redis.url, prefix: config.redis.keyPrefix };
const jobs = createProducer(JOB_CATALOG, queue);
const inference = new InferenceServiceClient(config.inference.url, config.inference.serviceToken, config.inference.clientTimeoutMs);
const app = await buildApp({ config, prisma, redis, logger, store, jobs, inference, readinessChecks: [objectStoreCheck(store)] });

closeOnSignal(logger, 'gateway', async () => {
  await app.close();
  await prisma.$disconnect();
  await redis.quit();
  await jobs.close();
  store.close();
});

await app.listen({ host: config.gateway.host, port: config.gateway.port });
