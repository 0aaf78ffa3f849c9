import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { JobCatalog, PayloadOf } from './job-spec.ts';
import { fairHashKey, fairKeyOf, releasePriority } from './fair.ts';
import { openRedis, type QueueConnection } from './queues.ts';

/** What a handler learns about the job besides its payload. */
export interface JobContext {
  jobId: string;
  /** 1 on the first try. */
  attempt: number;
  /** True when this is the last attempt (a failure now is final). */
  lastAttempt: boolean;
}

/** One handler per job name the worker serves. */
export type JobHandlers<C extends JobCatalog, Q extends string> = {
  [N in keyof C & string as C[N]['queue'] extends Q ? N : never]: (payload: PayloadOf<C[N]>, ctx: JobContext) => Promise<void>;
};

/** Called after every finished attempt, for metrics (never with payload data). */
export type JobObserver = (event: { name: string; seconds: number; outcome: 'completed' | 'failed' | 'retry' }) => void;

/** Options of one queue's worker. */
export interface WorkerOptions {
  concurrency: number;
  observe?: JobObserver;
  /** Called with the failed job's name and error, for logs; never receives payload data. */
  onError?: (name: string, error: Error) => void;
}

/** A running worker. */
export interface RunningWorker {
  /** Waits for active jobs to finish, then disconnects. */
  close(): Promise<void>;
}

/** Refuses a worker that misses a handler for, or has a handler for a job outside, its queue. */
export function checkHandlers(catalog: JobCatalog, queue: string, handlerNames: string[]): void {
  const served = Object.entries(catalog).filter(([, spec]) => spec.queue === queue).map(([name]) => name);
  const missing = served.filter((name) => !handlerNames.includes(name));
  const extra = handlerNames.filter((name) => !served.includes(name));
  if (served.length === 0) throw new Error(`queue "${queue}" serves no job in the catalog`);
  if (missing.length > 0) throw new Error(`worker for queue "${queue}" has no handler for: ${missing.join(', ')}`);
  if (extra.length > 0) throw new Error(`worker for queue "${queue}" has handlers for jobs it does not serve: ${extra.join(', ')}`);
}

/** Starts a BullMQ worker for one queue; every payload is parsed before its handler runs. */
export function startWorker<C extends JobCatalog, Q extends string>(
  catalog: C,
  queue: Q,
  handlers: JobHandlers<C, Q>,
  connection: QueueConnection,
  options: WorkerOptions,
): RunningWorker {
  const table = handlers as Record<string, (payload: unknown, ctx: JobContext) => Promise<void>>;
  checkHandlers(catalog, queue, Object.keys(table));
  const redis = openRedis(connection.redisUrl);
  const fairHash = fairHashKey(connection.prefix ?? 'medgrade', queue);
  const run = async (job: Job, lastAttempt: boolean): Promise<void> => {
    const parsed = catalog[job.name]!.payload.safeParse(job.data);
    // A payload that does not parse will not parse on retry either.
    if (!parsed.success) throw new UnrecoverableError(`invalid payload for ${job.name}`);
    await table[job.name]!(parsed.data, { jobId: job.id ?? '', attempt: job.attemptsMade + 1, lastAttempt });
  };
  const processor = async (job: Job): Promise<void> => {
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const fairKey = fairKeyOf(job.data);
    let final = true;
    try {
      await run(job, lastAttempt);
    } catch (error) {
      final = lastAttempt || error instanceof UnrecoverableError;
      throw error;
    } finally {
      // The job's place in its tenant's count is given back once it ends for good (fair.ts).
      if (fairKey && final) await releasePriority(redis, fairHash, fairKey).catch((error: unknown) => options.onError?.('fairness', error as Error));
    }
  };
  const worker = new Worker(queue, processor, {
    connection: redis,
    prefix: connection.prefix ?? 'medgrade',
    concurrency: options.concurrency,
  });
  wireEvents(worker, catalog, options);
  return {
    async close() {
      await worker.close();
      await redis.quit();
    },
  };
}

function wireEvents(worker: Worker, catalog: JobCatalog, options: WorkerOptions): void {
  const seconds = (job: Job): number => ((job.finishedOn ?? Date.now()) - (job.processedOn ?? Date.now())) / 1000;
  worker.on('completed', (job) => options.observe?.({ name: job.name, seconds: seconds(job), outcome: 'completed' }));
  worker.on('failed', (job, error) => {
    if (!job) return;
    const final = error instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? catalog[job.name]?.retry.attempts ?? 1);
    options.observe?.({ name: job.name, seconds: seconds(job), outcome: final ? 'failed' : 'retry' });
    options.onError?.(job.name, error);
  });
  // Connection errors are retried by ioredis; report them instead of crashing on 'error'.
  worker.on('error', (error) => options.onError?.('worker', error));
}

export { UnrecoverableError };
