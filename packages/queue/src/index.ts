export type { JobCatalog, JobSpec, PayloadOf, PayloadSchema } from './job-spec.ts';
export { createLeases, type Leases } from './lease.ts';
export { startLeasedLoop, type LeasedLoop, type LeasedLoopOptions } from './leased-loop.ts';
export { createProducer, openRedis, type Backlog, type EnqueueOptions, type JobProducer, type QueueConnection, type QueueDepth } from './queues.ts';
export { FAIR_KEY_FIELD } from './fair.ts';
export { startWorkerApp, type WorkerApp, type WorkerAppLoop, type WorkerAppOptions } from './worker-app.ts';
export {
  checkHandlers,
  startWorker,
  UnrecoverableError,
  type JobContext,
  type JobHandlers,
  type JobObserver,
  type RunningWorker,
  type WorkerOptions,
} from './workers.ts';
