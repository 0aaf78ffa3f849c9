import { Queue, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { JobCatalog, PayloadOf } from './job-spec.ts';

/** Where BullMQ keeps its keys: one Redis URL and a key prefix (tests use their own prefix). */
export interface QueueConnection {
  redisUrl: string;
  /** BullMQ key prefix; default "medgrade". */
  prefix?: string;
}

/** Waiting/active/delayed/failed counts of one queue, for metrics and readiness. */
export interface QueueDepth {
  queue: string;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
}

/** Producer side: typed enqueue by job name, queue depth, close. */
export interface JobProducer<C extends JobCatalog> {
  enqueue<N extends keyof C & string>(name: N, payload: PayloadOf<C[N]>): Promise<void>;
  enqueueMany<N extends keyof C & string>(name: N, payloads: PayloadOf<C[N]>[]): Promise<void>;
  /**
   * Enqueues each payload whose job is not live (waiting, delayed, active): a finished job with the
   * same jobId is removed first, so recovery can run it again. Returns how many were enqueued.
   */
  requeueMany<N extends keyof C & string>(name: N, payloads: PayloadOf<C[N]>[]): Promise<number>;
  depth(): Promise<QueueDepth[]>;
  close(): Promise<void>;
}

/** Opens a connection fit for BullMQ (it requires maxRetriesPerRequest: null on blocking clients). */
export function openRedis(redisUrl: string): Redis {
  return new Redis(redisUrl, { maxRetriesPerRequest: null, enableReadyCheck: true });
}

function jobOptions(spec: JobCatalog[string], payload: unknown): JobsOptions {
  return {
    jobId: spec.jobId(payload),
    attempts: spec.retry.attempts,
    backoff: { type: spec.retry.backoff.type, delay: spec.retry.backoff.delayMs },
    // Bounded history: enough for dedupe of quick double submits and for debugging, not forever.
    removeOnComplete: { age: 3600, count: 10_000 },
    removeOnFail: { age: 7 * 24 * 3600 },
  };
}

function parseOrThrow(catalog: JobCatalog, name: string, payload: unknown): void {
  const spec = catalog[name];
  if (!spec) throw new Error(`unknown job "${name}": add it to the job catalog`);
  const parsed = spec.payload.safeParse(payload);
  if (!parsed.success) throw new Error(`invalid payload for job "${name}": ${parsed.error.message}`);
}

const LIVE_STATES = new Set(['waiting', 'delayed', 'active', 'prioritized', 'waiting-children']);

// A completed or failed job keeps its jobId for a while (removeOnComplete/removeOnFail), and add()
// with that id is then a no-op: remove the finished job so the work runs again.
async function requeueOne(queue: Queue, name: string, spec: JobCatalog[string], payload: unknown): Promise<boolean> {
  const jobId = spec.jobId(payload);
  const job = await queue.getJob(jobId);
  if (job) {
    if (LIVE_STATES.has(await job.getState())) return false;
    await queue.remove(jobId);
  }
  await queue.add(name, payload, jobOptions(spec, payload));
  return true;
}

/** Builds the producer for every queue named in the catalog. */
export function createProducer<C extends JobCatalog>(catalog: C, connection: QueueConnection): JobProducer<C> {
  const redis = openRedis(connection.redisUrl);
  const prefix = connection.prefix ?? 'medgrade';
  const queues = new Map<string, Queue>();
  for (const spec of Object.values(catalog)) {
    if (!queues.has(spec.queue)) queues.set(spec.queue, new Queue(spec.queue, { connection: redis, prefix }));
  }
  const queueOf = (name: string): Queue => queues.get(catalog[name]!.queue)!;
  return {
    async enqueue(name, payload) {
      parseOrThrow(catalog, name, payload);
      await queueOf(name).add(name, payload, jobOptions(catalog[name]!, payload));
    },
    async enqueueMany(name, payloads) {
      for (const payload of payloads) parseOrThrow(catalog, name, payload);
      const jobs = payloads.map((data) => ({ name, data, opts: jobOptions(catalog[name]!, data) }));
      if (jobs.length > 0) await queueOf(name).addBulk(jobs);
    },
    async requeueMany(name, payloads) {
      for (const payload of payloads) parseOrThrow(catalog, name, payload);
      let added = 0;
      for (const payload of payloads) {
        if (await requeueOne(queueOf(name), name, catalog[name]!, payload)) added++;
      }
      return added;
    },
    async depth() {
      return Promise.all(
        [...queues].map(async ([queue, q]) => {
          const c = await q.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized');
          return { queue, waiting: (c.waiting ?? 0) + (c.prioritized ?? 0), active: c.active ?? 0, delayed: c.delayed ?? 0, failed: c.failed ?? 0 };
        }),
      );
    },
    async close() {
      await Promise.all([...queues.values()].map((q) => q.close()));
      await redis.quit();
    },
  };
}
