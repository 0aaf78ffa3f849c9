// The shape every worker process shares (the deid-worker, the inference worker, the training
// orchestrator's steps): a producer for the jobs its handlers enqueue, one BullMQ worker for its
// queue, and optionally a periodic reconciler that one replica at a time runs under a Redis lease.
// close() drains in the safe order: reconciler (no new re-enqueues), worker (active jobs finish),
// producer.
import type { JobCatalog } from './job-spec.ts';
import { createLeases } from './lease.ts';
import { startLeasedLoop, type LeasedLoop } from './leased-loop.ts';
import { createProducer, type JobProducer, type QueueConnection } from './queues.ts';
import { startWorker, type JobHandlers, type JobObserver } from './workers.ts';

/** A periodic idempotent pass (a reconciler); intervalMs 0 or less disables it. */
export interface WorkerAppLoop<C extends JobCatalog, R> {
  /** Redis lease name shared by every replica. */
  lease: string;
  intervalMs: number;
  /** `queueDataLost`: Redis lost every queued job since the last pass (JobProducer.detectDataLoss). */
  pass(jobs: JobProducer<C>, context: { queueDataLost: boolean }): Promise<R>;
  onPass?(result: R): void;
  onError?(error: Error): void;
}

/** One queue's worker process. */
export interface WorkerAppOptions<C extends JobCatalog, Q extends string, R> {
  catalog: C;
  queue: Q;
  connection: QueueConnection;
  concurrency: number;
  /** Builds the handlers (and a metrics observer) once the producer they enqueue on exists. */
  setup(jobs: JobProducer<C>): { handlers: JobHandlers<C, Q>; observe?: JobObserver };
  /** Job name and error of every failed attempt, for logs; never payload data. */
  onError?: (name: string, error: Error) => void;
  loop?: WorkerAppLoop<C, R>;
}

/** A running worker process; close() drains active jobs first. */
export interface WorkerApp<C extends JobCatalog> {
  jobs: JobProducer<C>;
  close(): Promise<void>;
}

/** Starts the producer, the queue's worker and the optional reconciler loop. */
export function startWorkerApp<C extends JobCatalog, Q extends string, R = unknown>(options: WorkerAppOptions<C, Q, R>): WorkerApp<C> {
  const jobs = createProducer(options.catalog, options.connection);
  const { handlers, observe } = options.setup(jobs);
  const worker = startWorker(options.catalog, options.queue, handlers, options.connection, { concurrency: options.concurrency, observe, onError: options.onError });
  const loop = startLoop(options, jobs);
  return {
    jobs,
    async close() {
      await loop?.close();
      await worker.close();
      await jobs.close();
    },
  };
}

function startLoop<C extends JobCatalog, Q extends string, R>(options: WorkerAppOptions<C, Q, R>, jobs: JobProducer<C>): LeasedLoop | undefined {
  const loop = options.loop;
  if (!loop || loop.intervalMs <= 0) return undefined;
  return startLeasedLoop(async () => loop.pass(jobs, { queueDataLost: await jobs.detectDataLoss() }), createLeases(options.connection), { lease: loop.lease, intervalMs: loop.intervalMs, onPass: loop.onPass, onError: loop.onError });
}
