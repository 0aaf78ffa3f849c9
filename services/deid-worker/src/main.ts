// Composition only (STYLE.md 1): config → adapters → readiness → worker → metrics endpoint → drain on signal.
import { createPrismaClient } from '@medgrade/db';
import { assertReady, closeOnSignal, loadConfigOrExit, metricsAccess, objectStoreCheck, postgresCheck, redisCheck, serviceLogger } from '@medgrade/service';
import { createObjectStore } from '@medgrade/storage';
import { startDeidWorkerApp } from './worker.app.ts';
import { serveMetrics } from './worker.metrics.ts';

const config = loadConfigOrExit();
const log = serviceLogger('deid-worker', config);
// Claims, READY commits and key clears are batched across jobs, so a few connections serve any
// concurrency; the cap keeps many worker replicas within Postgres' connection limit.
const prisma = createPrismaClient(config.database.url, { maxConnections: Math.min(config.deidWorker.concurrency, 8) + 2 });
const store = createObjectStore(config.storage);
await assertReady(log, [postgresCheck(prisma, config.database.url), redisCheck(config.redis.url), objectStoreCheck(store)], async () => {
  await prisma.$disconnect();
  store.close();
});

const app = startDeidWorkerApp({
  prisma,
  store,
  queue: { redisUrl: config.redis.url, prefix: config.redis.keyPrefix },
  projectSecretKey: config.secrets.projectSecretKeyBytes,
  auditAnchorKey: config.secrets.auditAnchorKeyBytes,
  concurrency: config.deidWorker.concurrency,
  memoryBudgetBytes: config.deidWorker.memoryBudgetMb * 1024 * 1024,
  maxInflatedBytes: config.ingest.maxInflatedBytes,
  // Job names and error messages only: payloads and DICOM values never reach a log line.
  onError: (job, error) => log.warn({ job, code: (error as { code?: string }).code, msg: error.message }, 'job attempt failed'),
  reconcile: config.deidWorker.reconcile,
  gaugeRefreshMs: config.metrics.gaugeRefreshMs,
  retention: config.retention,
  onQueueDataLost: () => log.warn('the queue holds no record of earlier work (first start, or Redis restarted empty or was flushed): in-flight instances are enqueued again now'),
  onReconcile: (result) => {
    if (Object.values(result).some((n) => n > 0)) log.info(result, 'ingest reconciled');
  },
});
// Open without METRICS_TOKEN only on loopback (loadConfig refuses another host without a token).
const metricsAccessCheck = metricsAccess(config.metrics.token, true);
const metricsServer = config.deidWorker.metricsPort > 0 ? await serveMetrics(app.metrics.registry, config.deidWorker.metricsHost, config.deidWorker.metricsPort, metricsAccessCheck) : undefined;
log.info({ concurrency: config.deidWorker.concurrency, memoryBudgetMb: config.deidWorker.memoryBudgetMb }, 'deid-worker started');

closeOnSignal(log, 'deid-worker', async () => {
  metricsServer?.close();
  await app.close();
  await prisma.$disconnect();
  store.close();
});
