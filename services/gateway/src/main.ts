// Gateway entry point: only composes (STYLE.md 1). Load config, build adapters, build the app,
// listen, and close everything on SIGTERM/SIGINT.
import { Redis } from 'ioredis';
import { ConfigError, loadConfig } from '@medgrade/config';
import { createPrismaClient } from '@medgrade/db';
import { JOB_CATALOG } from '@medgrade/contracts';
import { createProducer } from '@medgrade/queue';
import { createObjectStore } from '@medgrade/storage';
import { buildApp } from './app.ts';
import { httpInferenceClient } from './inference/inference.client.ts';
import { startInferenceWorker } from './inference/inference.worker.ts';
import { createLogger } from './logger.ts';
import { assertPostgres, assertRedis } from './startup.ts';

function configOrExit() {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}

const config = configOrExit();
const logger = createLogger(config);
const prisma = createPrismaClient(config.database.url);
// Fail fast at start-up instead of queueing commands while Redis is down.
const redis = new Redis(config.redis.url, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: true });

try {
  await redis.connect();
  await assertRedis(redis, config);
  await assertPostgres(prisma, config);
} catch (error) {
  logger.fatal((error as Error).message);
  await prisma.$disconnect();
  redis.disconnect();
  process.exit(1);
}

// Raw uploads and de-identified objects; the readiness check reports the store with Postgres/Redis.
const store = createObjectStore(config.storage);
const queue = { redisUrl: config.redis.url, prefix: config.redis.keyPrefix };
const jobs = createProducer(JOB_CATALOG, queue);
const objectStoreCheck = { name: 'objectStore', check: () => store.check() };
const inference = httpInferenceClient(config.inference.url, config.inference.serviceToken, config.inference.clientTimeoutMs);
const app = await buildApp({ config, prisma, redis, logger, store, jobs, inference, readinessChecks: [objectStoreCheck] });
// Second role: asynchronous inferences and their webhooks (README: why in the gateway process).
const inferenceWorker = config.inferenceWorker.concurrency > 0
  ? startInferenceWorker({
      prisma, store, client: inference, log: logger,
      queue,
      secretKey: config.secrets.projectSecretKeyBytes,
      allowPrivateNetworks: config.webhooks.allowPrivateNetworks,
      concurrency: config.inferenceWorker.concurrency,
      runLeaseMs: config.inferenceWorker.runLeaseMs,
      // Re-enqueues inferences a crash left without a job, deletes staged inputs left without a row.
      reconcile: config.inferenceWorker.reconcile,
    })
  : undefined;

async function shutdown(signal: string): Promise<void> {
  logger.info({ signal }, 'shutting down');
  await app.close();
  // Lets active inference jobs finish; queued ones wait in Redis for the next worker.
  await inferenceWorker?.close();
  await prisma.$disconnect();
  await redis.quit();
  await jobs.close();
  store.close();
  process.exit(0);
}
process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));

await app.listen({ host: config.gateway.host, port: config.gateway.port });
