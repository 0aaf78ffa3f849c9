// Builds the running de-identification worker from its adapters; main.ts and the tests call it.
import { AuditLog } from '@medgrade/audit';
import { JOB_CATALOG } from '@medgrade/contracts';
import type { PrismaClient } from '@medgrade/db';
import { startWorkerApp, type QueueConnection } from '@medgrade/queue';
import { refreshedAtMost } from '@medgrade/service';
import type { ObjectStore } from '@medgrade/storage';
import { cachedProjectDeidSettings } from '@medgrade/deid/project';
import { createDeidentifier } from './deid.engine.ts';
import { DEID_QUEUE } from './deid.job.ts';
import { handleInstanceDeidentify } from './deid.worker.ts';
import { createReconcileRepository, reconcileIngest, type ReconcileResult } from './ingest.reconciler.ts';
import { createIngestRepository, type AuditInTx } from './ingest.repository.ts';
import { MemoryBudget } from './memory.budget.ts';
import { createRetentionRepository, sweepRetention, type RetentionOptions, type RetentionResult } from './retention.sweep.ts';
import { sharedBatch } from './shared.batch.ts';
import { createWorkerMetrics, type WorkerMetrics } from './worker.metrics.ts';

/** What the worker needs from its environment. */
export interface DeidWorkerAppOptions {
  prisma: PrismaClient;
  store: ObjectStore;
  queue: QueueConnection;
  /** 32-byte key that decrypts project secrets. */
  projectSecretKey: Buffer;
  /** config.secrets.auditAnchorKeyBytes: every audit append re-anchors the chain head. */
  auditAnchorKey: Buffer;
  concurrency: number;
  /** Bytes that concurrent jobs may hold at once (see memory.budget.ts); absent: no bound beyond concurrency. */
  memoryBudgetBytes?: number;
  /** Largest inflated data set of a deflated instance (config ingest.maxInflatedBytes); larger ones end REJECTED INFLATED_TOO_LARGE. */
  maxInflatedBytes?: number;
  onError?: (job: string, error: Error) => void;
  /** Ingest reconciler (README); absent or intervalMs 0 disables it. */
  reconcile?: { intervalMs: number; graceMs: number; batchSize: number };
  /** Retention of raw uploads (retention.sweep.ts), run in the reconciler's passes; absent: not swept. */
  retention?: RetentionOptions;
  /** A reconciler pass found that Redis lost every queued job (restarted empty, flushed); in-flight work is enqueued again at once. */
  onQueueDataLost?: () => void;
  /** After each reconciler pass this replica ran (counts only; the retention counts when it sweeps). */
  onReconcile?: (result: ReconcileResult & Partial<RetentionResult>) => void;
  /** Queue depth on /metrics is read at most this often (config metrics.gaugeRefreshMs); absent: every scrape. */
  gaugeRefreshMs?: number;
}

/** A running worker with its metrics; close() drains active jobs first. */
export interface DeidWorkerApp {
  metrics: WorkerMetrics;
  close(): Promise<void>;
}

/** Starts consuming the deidentify queue. */
export function startDeidWorkerApp(options: DeidWorkerAppOptions): DeidWorkerApp {
  const auditLog = new AuditLog(options.prisma, { anchorKey: options.auditAnchorKey });
  const audit: AuditInTx = async (tx, events) => {
    await auditLog.appendMany(events.map((event) => ({ ...event, actor: 'system:deid-worker', resourceType: 'instance' })), tx);
  };
  const memory = options.memoryBudgetBytes ? new MemoryBudget(options.memoryBudgetBytes) : undefined;
  // Raw objects of instances that finish together go in one delete request (S3 DeleteObjects).
  const deleteRaw = sharedBatch<string>(1000, (keys) => options.store.deleteMany(keys));
  const reconcile = options.reconcile;
  const retentionRepo = createRetentionRepository(options.prisma, auditLog);
  let metrics!: WorkerMetrics;
  const app = startWorkerApp({
    catalog: JOB_CATALOG, queue: DEID_QUEUE, connection: options.queue, concurrency: options.concurrency, onError: options.onError,
    setup: (jobs) => {
      // The producer serves queue depth on /metrics and the reconciler's re-enqueues.
      metrics = createWorkerMetrics(refreshedAtMost(() => jobs.depth(), options.gaugeRefreshMs ?? 0), memory && (() => memory.inUse));
      const handler = handleInstanceDeidentify({
        store: options.store,
        deleteRaw,
        repo: createIngestRepository(options.prisma, audit, { onBatchFailed: (_size, error) => options.onError?.('InstanceDeidentify(batch commit, retried one by one)', error as Error) }),
        engine: createDeidentifier(options.maxInflatedBytes),
        maxInflatedBytes: options.maxInflatedBytes,
        project: cachedProjectDeidSettings(options.prisma, options.projectSecretKey),
        onBytes: metrics.onBytes,
        onFinal: metrics.onFinal,
        onReviewHeld: metrics.onReviewHeld,
        memory,
      });
      return { handlers: { InstanceDeidentify: handler }, observe: metrics.observe };
    },
    loop: reconcile && {
      lease: 'ingest-reconcile',
      intervalMs: reconcile.intervalMs,
      pass: async (jobs, { queueDataLost }) => {
        // Redis lost every queued job: in-flight rows and queued retries are enqueued again now, not after the grace period.
        const rowGraceMs = queueDataLost ? 0 : undefined;
        if (queueDataLost) options.onQueueDataLost?.();
        const reconciled = await reconcileIngest({ repo: createReconcileRepository(options.prisma), store: options.store, jobs }, { ...reconcile, rowGraceMs, retryLimit: options.retention?.retryLimit });
        if (!options.retention) return reconciled;
        return { ...reconciled, ...(await sweepRetention({ repo: retentionRepo, store: options.store, jobs }, { ...reconcile, ...options.retention, retryGraceMs: rowGraceMs })) };
      },
      onPass: options.onReconcile,
      onError: (error) => options.onError?.('IngestReconcile', error),
    },
  });
  return { metrics, close: app.close };
}
