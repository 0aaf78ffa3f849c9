// Builds the running de-identification worker from its adapters; main.ts and the tests call it.
import { AuditLog } from '@medgrade/audit';
import { JOB_CATALOG } from '@medgrade/contracts';
import type { PrismaClient } from '@medgrade/db';
import { createProducer, startWorker, type QueueConnection } from '@medgrade/queue';
import type { ObjectStore } from '@medgrade/storage';
import { createDeidentifier } from './deid.engine.ts';
import { DEID_QUEUE } from './deid.job.ts';
import { handleInstanceDeidentify } from './deid.worker.ts';
import { createIngestRepository, type AuditInTx } from './ingest.repository.ts';
import { createProjectSettings } from './project.settings.ts';
import { createWorkerMetrics, type WorkerMetrics } from './worker.metrics.ts';

/** What the worker needs from its environment. */
export interface DeidWorkerAppOptions {
  prisma: PrismaClient;
  store: ObjectStore;
  queue: QueueConnection;
  /** 32-byte key that decrypts project secrets. */
  projectSecretKey: Buffer;
  concurrency: number;
  onError?: (job: string, error: Error) => void;
}

/** A running worker with its metrics; close() drains active jobs first. */
export interface DeidWorkerApp {
  metrics: WorkerMetrics;
  close(): Promise<void>;
}

/** Starts consuming the deidentify queue. */
export function startDeidWorkerApp(options: DeidWorkerAppOptions): DeidWorkerApp {
  const auditLog = new AuditLog(options.prisma);
  const audit: AuditInTx = async (tx, event) => {
    await auditLog.append({ ...event, actor: 'system:deid-worker', resourceType: 'instance' }, tx);
  };
  // The producer is only used for queue depth on /metrics.
  const producer = createProducer(JOB_CATALOG, options.queue);
  const metrics = createWorkerMetrics(() => producer.depth());
  const handler = handleInstanceDeidentify({
    store: options.store,
    repo: createIngestRepository(options.prisma, audit),
    engine: createDeidentifier(),
    project: createProjectSettings(options.prisma, options.projectSecretKey),
    onBytes: metrics.onBytes,
    onFinal: metrics.onFinal,
  });
  const worker = startWorker(JOB_CATALOG, DEID_QUEUE, { InstanceDeidentify: handler }, options.queue, {
    concurrency: options.concurrency,
    observe: metrics.observe,
    onError: options.onError,
  });
  return {
    metrics,
    async close() {
      await worker.close();
      await producer.close();
    },
  };
}
