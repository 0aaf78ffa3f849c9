// Per-tenant fairness against the real Redis: a burst of one key does not delay another key's job
// beyond its first few places (order, not wall time), and the per-key counts drain to nothing.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { fairHashKey } from './fair.ts';
import type { JobSpec, PayloadSchema } from './job-spec.ts';
import { createProducer, openRedis } from './queues.ts';
import { startWorker, UnrecoverableError } from './workers.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

interface TaskPayload { taskId: string; bad?: boolean }
const schema: PayloadSchema<TaskPayload> = {
  safeParse(data) {
    const d = data as Partial<TaskPayload> | null;
    // Like zod's object parse: unknown fields (the fairness key) are not passed on.
    if (typeof d?.taskId === 'string') return { success: true, data: { taskId: d.taskId, ...(d.bad ? { bad: true } : {}) } };
    return { success: false, error: { message: 'taskId required' } };
  },
};
const spec: JobSpec<TaskPayload> = { queue: 'tasks', payload: schema, jobId: (p) => `task-${p.taskId}`, retry: { attempts: 2, backoff: { type: 'fixed', delayMs: 10 } } };
const catalog = { TaskRun: spec };
const prefix = `mgfair-${randomUUID().slice(0, 8)}`;
const conn = { redisUrl: REDIS_URL, prefix };

afterAll(async () => {
  const redis = openRedis(REDIS_URL);
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

function until(check: () => boolean, ms = 20_000): Promise<void> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => (check() ? resolve() : Date.now() - start > ms ? reject(new Error('timeout')) : setTimeout(tick, 10));
    tick();
  });
}

describe('per-key fairness', () => {
  it('interleaves keys: a single job enqueued after a burst of 40 runs second, not 41st; counts drain', async () => {
    const producer = createProducer(catalog, conn);
    const burst = Array.from({ length: 40 }, (_, i) => ({ requestId: 'r', taskId: `a${i}`, bad: i === 3 }));
    await producer.enqueueMany('TaskRun', burst, { fairKey: 'org-a' });
    await producer.enqueue('TaskRun', { taskId: 'b0' }, { fairKey: 'org-b' });
    await producer.enqueueMany('TaskRun', [{ taskId: 'c0' }, { taskId: 'c1' }], { fairKey: 'org-c' });
    // Recovery re-enqueues carry no key and run before prioritized work.
    await producer.enqueue('TaskRun', { taskId: 'recovery' });
    const redis = openRedis(REDIS_URL);
    expect(await redis.hgetall(fairHashKey(prefix, 'tasks'))).toEqual({ 'org-a': '40', 'org-b': '1', 'org-c': '2' });
    const order: string[] = [];
    const worker = startWorker(catalog, 'tasks', {
      TaskRun: async (p) => {
        order.push(p.taskId);
        if (p.bad) throw new UnrecoverableError('BAD');
      },
    }, conn, { concurrency: 1 });
    await until(() => order.length === 44);
    await worker.close();
    expect(order[0]).toBe('recovery');
    // Priority 1 of each key in arrival order, then priority 2, ...: a0, b0, c0, a1, c1, a2, ...
    expect(order.slice(1, 6)).toEqual(['a0', 'b0', 'c0', 'a1', 'c1']);
    expect(order.indexOf('b0')).toBeLessThanOrEqual(3);
    expect(order.slice(6)).toEqual(burst.slice(2).map((p) => p.taskId));
    // Completed and finally failed jobs (a3, unrecoverable) both gave their place back.
    expect(await redis.hgetall(fairHashKey(prefix, 'tasks'))).toEqual({});
    await redis.quit();
    await producer.close();
  });
});
