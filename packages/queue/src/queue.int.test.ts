// BullMQ wiring against the real Redis on 127.0.0.1:6379, each run under its own key prefix.
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import type { JobSpec, PayloadSchema } from './job-spec.ts';
import { createLeases } from './lease.ts';
import { createProducer, openRedis } from './queues.ts';
import { startWorkerApp } from './worker-app.ts';
import { checkHandlers, startWorker, UnrecoverableError, type JobContext } from './workers.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

interface ThingPayload { thingId: string; mode?: 'ok' | 'flaky' | 'bad' }
const thingSchema: PayloadSchema<ThingPayload> = {
  safeParse(data) {
    const d = data as Partial<ThingPayload> | null;
    if (typeof d?.thingId === 'string' && /^[a-z0-9-]+$/.test(d.thingId)) return { success: true, data: d as ThingPayload };
    return { success: false, error: { message: 'thingId must be a lowercase id' } };
  },
};
const spec: JobSpec<ThingPayload> = { queue: 'things', payload: thingSchema, jobId: (p) => `thing-${p.thingId}`, retry: { attempts: 3, backoff: { type: 'exponential', delayMs: 20 } } };
const catalog = { ThingProcess: spec };

const prefixes: string[] = [];
function connection() {
  const prefix = `mgtest-${randomUUID().slice(0, 8)}`;
  prefixes.push(prefix);
  return { redisUrl: REDIS_URL, prefix };
}

afterAll(async () => {
  const redis = openRedis(REDIS_URL);
  for (const prefix of prefixes) {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
  }
  await redis.quit();
});

function until(check: () => boolean, ms = 10_000): Promise<void> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => (check() ? resolve() : Date.now() - start > ms ? reject(new Error('timeout')) : setTimeout(tick, 10));
    tick();
  });
}

describe('queue wiring', () => {
  it('dedupes by jobId, retries with backoff, stops on UnrecoverableError, reports outcomes', async () => {
    const conn = connection();
    const producer = createProducer(catalog, conn);
    const calls: { id: string; attempt: number }[] = [];
    const outcomes: string[] = [];
    const handler = async (p: ThingPayload, ctx: JobContext) => {
      calls.push({ id: p.thingId, attempt: ctx.attempt });
      if (p.mode === 'flaky' && ctx.attempt < 2) throw new Error('transient');
      if (p.mode === 'bad') throw new UnrecoverableError('BAD_INPUT');
    };
    const worker = startWorker(catalog, 'things', { ThingProcess: handler }, conn, {
      concurrency: 2,
      observe: (e) => outcomes.push(`${e.name}:${e.outcome}`),
    });
    await producer.enqueue('ThingProcess', { thingId: 'a' });
    await producer.enqueue('ThingProcess', { thingId: 'a' });
    await producer.enqueueMany('ThingProcess', [{ thingId: 'f', mode: 'flaky' }, { thingId: 'b', mode: 'bad' }]);
    await until(() => outcomes.length >= 4);
    await new Promise((r) => setTimeout(r, 200));
    await worker.close();
    expect(calls.filter((c) => c.id === 'a')).toHaveLength(1);
    expect(calls.filter((c) => c.id === 'f').map((c) => c.attempt)).toEqual([1, 2]);
    expect(calls.filter((c) => c.id === 'b')).toHaveLength(1);
    expect(outcomes.sort()).toEqual(['ThingProcess:completed', 'ThingProcess:completed', 'ThingProcess:failed', 'ThingProcess:retry']);
    expect(await producer.depth()).toEqual([{ queue: 'things', waiting: 0, active: 0, delayed: 0, failed: 1 }]);
    await producer.close();
  });

  it('refuses payloads that do not parse, at enqueue and in the worker', async () => {
    const conn = connection();
    const producer = createProducer(catalog, conn);
    await expect(producer.enqueue('ThingProcess', { thingId: 'BAD ID' })).rejects.toThrow(/invalid payload.*lowercase/);
    // A job written by something other than our producer still never reaches the handler.
    const raw = new Queue('things', { connection: { url: REDIS_URL }, prefix: conn.prefix });
    await raw.add('ThingProcess', { thingId: 42 }, { jobId: 'thing-raw', attempts: 3 });
    let called = 0;
    const outcomes: string[] = [];
    const worker = startWorker(catalog, 'things', { ThingProcess: async () => void called++ }, conn, {
      concurrency: 1,
      observe: (e) => outcomes.push(e.outcome),
    });
    await until(() => outcomes.length === 1);
    expect(outcomes).toEqual(['failed']);
    expect(called).toBe(0);
    await worker.close();
    await raw.close();
    await producer.close();
  });

  it('requeueMany runs a finished job again but leaves a live one alone', async () => {
    const conn = connection();
    const producer = createProducer(catalog, conn);
    const outcomes: string[] = [];
    const calls: string[] = [];
    const worker = startWorker(catalog, 'things', {
      ThingProcess: async (p) => {
        calls.push(p.thingId);
        if (p.mode === 'bad') throw new UnrecoverableError('BAD_INPUT');
      },
    }, conn, { concurrency: 1, observe: (e) => outcomes.push(e.outcome) });
    await producer.enqueue('ThingProcess', { thingId: 'r', mode: 'bad' });
    await until(() => outcomes.length === 1);
    // A failed job and one never enqueued are not live.
    expect(await producer.areLive('ThingProcess', [{ thingId: 'r' }, { thingId: 'never' }])).toEqual([false, false]);
    // A plain enqueue of a failed job's id is a no-op; requeue runs it again.
    await producer.enqueue('ThingProcess', { thingId: 'r' });
    expect(await producer.requeueMany('ThingProcess', [{ thingId: 'r' }])).toBe(1);
    await until(() => outcomes.length === 2);
    expect(outcomes).toEqual(['failed', 'completed']);
    await worker.close();
    await producer.enqueue('ThingProcess', { thingId: 'w' });
    expect(await producer.areLive('ThingProcess', [{ thingId: 'w' }, { thingId: 'r' }])).toEqual([true, false]);
    expect(await producer.requeueMany('ThingProcess', [{ thingId: 'w' }, { thingId: 'w' }])).toBe(0);
    expect(calls).toEqual(['r', 'r']);
    await producer.close();
  });

  it('backlog counts the jobs not yet ended, in all and per fairness key, and drops what a worker finished', async () => {
    const conn = connection();
    const producer = createProducer(catalog, conn);
    expect(await producer.backlog('ThingProcess')).toEqual({ total: 0, byFairKey: new Map() });
    await producer.enqueueMany('ThingProcess', [{ thingId: 'o1' }, { thingId: 'o2' }, { thingId: 'o3' }], { fairKey: 'org-a' });
    await producer.enqueue('ThingProcess', { thingId: 'p1' }, { fairKey: 'org-b' });
    await producer.enqueue('ThingProcess', { thingId: 'x1' });
    expect(await producer.backlog('ThingProcess')).toEqual({ total: 5, byFairKey: new Map([['org-a', 3], ['org-b', 1]]) });
    let done = 0;
    const worker = startWorker(catalog, 'things', { ThingProcess: async () => void done++ }, conn, { concurrency: 1 });
    await until(() => done === 5);
    await new Promise((r) => setTimeout(r, 100));
    await worker.close();
    expect(await producer.backlog('ThingProcess')).toEqual({ total: 0, byFairKey: new Map() });
    await producer.close();
  });

  it('detectDataLoss says true on a fresh Redis and again once its data is gone, false while it is kept', async () => {
    const conn = connection();
    const producer = createProducer(catalog, conn);
    expect(await producer.detectDataLoss()).toBe(true);
    expect(await producer.detectDataLoss()).toBe(false);
    await producer.enqueue('ThingProcess', { thingId: 'lost' });
    const redis = openRedis(REDIS_URL);
    // What a restart without persistence does to this prefix.
    await redis.del(...(await redis.keys(`${conn.prefix}:*`)));
    await redis.quit();
    expect(await producer.detectDataLoss()).toBe(true);
    expect(await producer.detectDataLoss()).toBe(false);
    await producer.close();
  });

  it('a lease is held by one caller until it expires', async () => {
    const conn = connection();
    const a = createLeases(conn);
    const b = createLeases(conn);
    expect(await a.tryAcquire('pass', 300)).toBe(true);
    expect(await b.tryAcquire('pass', 300)).toBe(false);
    expect(await b.tryAcquire('other', 300)).toBe(true);
    await new Promise((r) => setTimeout(r, 400));
    expect(await b.tryAcquire('pass', 300)).toBe(true);
    await a.close();
    await b.close();
  });

  it('refuses to start without exactly the handlers of its queue', () => {
    expect(() => checkHandlers(catalog, 'things', [])).toThrow(/no handler for: ThingProcess/);
    expect(() => checkHandlers(catalog, 'things', ['ThingProcess', 'Other'])).toThrow(/does not serve: Other/);
    expect(() => checkHandlers(catalog, 'nothing', [])).toThrow(/serves no job/);
    expect(() => checkHandlers(catalog, 'things', ['ThingProcess'])).not.toThrow();
  });

  it('close waits for the active job to finish', async () => {
    const conn = connection();
    const producer = createProducer(catalog, conn);
    let started = false;
    let finished = false;
    const worker = startWorker(catalog, 'things', {
      ThingProcess: async () => {
        started = true;
        await new Promise((r) => setTimeout(r, 300));
        finished = true;
      },
    }, conn, { concurrency: 1 });
    await producer.enqueue('ThingProcess', { thingId: 'slow' });
    await until(() => started);
    await worker.close();
    expect(finished).toBe(true);
    await producer.close();
  });

  it('a worker app gives its handlers and its loop the producer, and close drains the active job', async () => {
    const conn = connection();
    const seen: string[] = [];
    let passes = 0;
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const app = startWorkerApp({
      catalog, queue: 'things', connection: conn, concurrency: 1,
      setup: (jobs) => ({
        handlers: {
          ThingProcess: async (p: ThingPayload) => {
            seen.push(p.thingId);
            // The handler enqueues follow-up work through the app's own producer.
            if (p.thingId === 'first') await jobs.enqueue('ThingProcess', { thingId: 'second' });
            if (p.thingId === 'second') {
              await held;
              seen.push('second done');
            }
          },
        },
      }),
      loop: { lease: 'things-loop', intervalMs: 20, pass: async (jobs) => (await jobs.depth(), ++passes) },
    });
    await app.jobs.enqueue('ThingProcess', { thingId: 'first' });
    await until(() => seen.includes('second') && passes > 0);
    const closing = app.close();
    setTimeout(release, 100);
    await closing;
    expect(seen).toEqual(['first', 'second', 'second done']);
    const after = passes;
    await new Promise((r) => setTimeout(r, 60));
    expect(passes).toBe(after);
  });
});
