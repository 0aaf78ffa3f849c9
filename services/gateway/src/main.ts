// Gateway entry point: only composes (STYLE.md 1). Load config, build adapters, check readiness,
// build the app, listen, and drain everything on SIGTERM/SIGINT.
import { Redis } from 'ioredis';
import { createPrismaClient } from '@medgrade/db';
import { JOB_CATALOG } from '@medgrade/contracts';
import { createProducer } from '@medgrade/queue';
import { assertReady, closeOnSignal, loadConfigOrExit, objectStoreCheck, postgresCheck, redisCheck, serviceLogger } from '@medgrade/service';
import { createObjectStore } from '@medgrade/storage';
import { buildApp } from './app.ts';
import { httpInferenceClient } from './inference/inference.client.ts';
import { startInferenceWorker } from './inference/inference.worker.ts';

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
const inference = httpInferenceClient(config.inference.url, config.inference.serviceToken, config.inference.clientTimeoutMs);
const app = await buildApp({ config, prisma, redis, logger, store, jobs, inference, readinessChecks: [objectStoreCheck(store)] });
// Second role: asynchronous inferences and their webhooks (README: why in the gateway process).
const inferenceWorker = config.inferenceWorker.concurrency > 0
  ? startInferenceWorker({
      prisma, store, client: inference, log: logger, queue,
      secretKey: config.secrets.projectSecretKeyBytes,
      allowPrivateNetworks: config.webhooks.allowPrivateNetworks,
      concurrency: config.inferenceWorker.concurrency,
      runLeaseMs: config.inferenceWorker.runLeaseMs,
      // Re-enqueues inferences a crash left without a job, deletes staged inputs left without a row.
      reconcile: config.inferenceWorker.reconcile,
    })
  : undefined;

closeOnSignal(logger, 'gateway', async () => {
  await app.close();
  // Lets active inference jobs finish; queued ones wait in Redis for the next worker.
  await inferenceWorker?.close();
  await prisma.$disconnect();
  await redis.quit();
  await jobs.close();
  store.close();
});

await app.listen({ host: config.gateway.host, port: config.gateway.port });
