// Composition only (STYLE.md 1, 19): config → adapters → readiness → inference worker → drain on
// signal. The gateway enqueues InferenceRun and InferenceWebhookDeliver; this process works them.
import { createPrismaClient } from '@medgrade/db';
import { InferenceServiceClient, startInferenceWorker } from '@medgrade/inference-runs';
import { assertReady, closeOnSignal, loadConfigOrExit, objectStoreCheck, postgresCheck, redisCheck, serviceLogger } from '@medgrade/service';
import { createObjectStore } from '@medgrade/storage';

const config = loadConfigOrExit();
const log = serviceLogger('inference-worker', config);
if (config.inferenceWorker.concurrency < 1) {
  log.fatal('INFERENCE_WORKER_CONCURRENCY is 0: set it to a positive integer, or do not run the inference-worker');
  process.exit(1);
}
const prisma = createPrismaClient(config.database.url);
// Staged inputs (inference-inputs/) and de-identified instances the runs read.
const store = createObjectStore(config.storage);
await assertReady(log, [postgresCheck(prisma, config.database.url), redisCheck(config.redis.url), objectStoreCheck(store)], async () => {
  await prisma.$disconnect();
  store.close();
});

const worker = startInferenceWorker({
  prisma, store, log,
  client: new InferenceServiceClient(config.inference.url, config.inference.serviceToken, config.inference.clientTimeoutMs),
  queue: { redisUrl: config.redis.url, prefix: config.redis.keyPrefix },
  secretKey: config.secrets.projectSecretKeyBytes,
  auditAnchorKey: config.secrets.auditAnchorKeyBytes,
  allowPrivateNetworks: config.webhooks.allowPrivateNetworks,
  requireHttps: !config.dev,
  concurrency: config.inferenceWorker.concurrency,
  runLeaseMs: config.inferenceWorker.runLeaseMs,
  // Re-enqueues inferences a crash left without a job, deletes staged inputs left without a row.
  reconcile: config.inferenceWorker.reconcile,
});
log.info({ concurrency: config.inferenceWorker.concurrency }, 'inference-worker started');

// Lets active inference jobs finish; queued ones wait in Redis for the next worker.
closeOnSignal(log, 'inference-worker', async () => {
  await worker.close();
  await prisma.$disconnect();
  store.close();
});
