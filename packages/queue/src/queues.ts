import { Queue, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { claimPriorities, FAIR_KEY_FIELD, fairHashKey } from './fair.ts';
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

/** Jobs of one queue not yet ended (waiting, delayed or running), in all and per fairness key. */
export interface Backlog {
  total: number;
  /** Per fairness key (organization): its jobs queued or running, from the fairness counts (fair.ts). */
  byFairKey: Map<string, number>;
}

/** How jobs are enqueued. */
export interface EnqueueOptions {
  /**
   * Fairness key (the organization id): jobs of one key are interleaved with other keys' jobs
   * instead of running in arrival order (fair.ts), so one tenant's burst cannot starve the others.
   */
  fairKey?: string;
}

/** Producer side: typed enqueue by job name, queue depth, close. */
export interface JobProducer<C extends JobCatalog> {
  enqueue<N extends keyof C & string>(name: N, payload: PayloadOf<C[N]>, options?: EnqueueOptions): Promise<void>;
  enqueueMany<N extends keyof C & string>(name: N, payloads: PayloadOf<C[N]>[], options?: EnqueueOptions): Promise<void>;
  /**
   * Enqueues each payload whose job is not live (waiting, delayed, active): a finished job with the
   * same jobId is removed first, so recovery can run it again. Returns how many were enqueued.
   */
  requeueMany<N extends keyof C & string>(name: N, payloads: PayloadOf<C[N]>[]): Promise<number>;
  /** For each payload, whether its job is live (waiting, delayed, active): a reconciler tells a dead run from a queued one. */
  areLive<N extends keyof C & string>(name: N, payloads: PayloadOf<C[N]>[]): Promise<boolean[]>;
  depth(): Promise<QueueDepth[]>;
  /**
   * Whether Redis lost this prefix's queue data (restarted without persistence, flushed) since the
   * last call by any process: sets a marker key and says whether it was missing. Every job queued
   * before is then gone, so a reconciler can re-enqueue in-flight work at once instead of after its
   * grace period. The first call against a fresh Redis says true too.
   */
  detectDataLoss(): Promise<boolean>;
  /** The backlog of the queue that runs job `name`: two Redis reads, for admission control. */
  backlog<N extends keyof C & string>(name: N): Promise<Backlog>;
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

async function isLive(queue: Queue, jobId: string): Promise<boolean> {
  const job = await queue.getJob(jobId);
  return job !== undefined && LIVE_STATES.has(await job.getState());
}

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
  // Jobs with their options; with a fairness key, each carries the key and its priority.
  const build = async (name: string, payloads: unknown[], options: EnqueueOptions) => {
    const spec = catalog[name]!;
    const jobs = payloads.map((data) => ({ name, data, opts: jobOptions(spec, data) }));
    if (!options.fairKey || jobs.length === 0) return jobs;
    const priorities = await claimPriorities(redis, fairHashKey(prefix, spec.queue), options.fairKey, jobs.length);
    return jobs.map((job, i) => ({ ...job, data: { ...(job.data as object), [FAIR_KEY_FIELD]: options.fairKey }, opts: { ...job.opts, priority: priorities[i] } }));
  };
  return {
    async enqueue(name, payload, options = {}) {
      parseOrThrow(catalog, name, payload);
      const [job] = await build(name, [payload], options);
      await queueOf(name).add(name, job!.data, job!.opts);
    },
    async enqueueMany(name, payloads, options = {}) {
      for (const payload of payloads) parseOrThrow(catalog, name, payload);
      const jobs = await build(name, payloads, options);
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
    async areLive(name, payloads) {
      return Promise.all(payloads.map((payload) => isLive(queueOf(name), catalog[name]!.jobId(payload))));
    },
    async depth() {
      return Promise.all(
        [...queues].map(async ([queue, q]) => {
          const c = await q.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized');
          return { queue, waiting: (c.waiting ?? 0) + (c.prioritized ?? 0), active: c.active ?? 0, delayed: c.delayed ?? 0, failed: c.failed ?? 0 };
        }),
      );
    },
    async detectDataLoss() {
      return (await redis.set(`${prefix}:queue-data`, new Date().toISOString(), 'NX')) === 'OK';
    },
    async backlog(name) {
      const queue = queueOf(name);
      const [c, fair] = await Promise.all([
        queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active'),
        redis.hgetall(fairHashKey(prefix, catalog[name]!.queue)),
      ]);
      const total = (c.waiting ?? 0) + (c.prioritized ?? 0) + (c.delayed ?? 0) + (c.active ?? 0);
      return { total, byFairKey: new Map(Object.entries(fair).map(([key, n]) => [key, Number(n)])) };
    },
    async close() {
      await Promise.all([...queues.values()].map((q) => q.close()));
      await redis.quit();
    },
  };
}
