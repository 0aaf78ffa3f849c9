// Per-tenant fairness on BullMQ's open-source queues (groups are a BullMQ Pro feature). A job
// enqueued with a fairness key (the organization) gets BullMQ priority 1 + the number of that key's
// jobs already queued or running; BullMQ serves lower priorities first and equal ones in order, so
// the queue round-robins across keys: one organization's burst of N jobs takes priorities 1..N and
// another organization's single job, enqueued after it, gets priority 1 and runs next, not N-th.
// The per-key counts live in one Redis hash per queue: the producer adds a batch's size, the worker
// subtracts one when a job ends for good (completed, or failed on its last attempt). A job that
// vanishes without ending (removed by hand, stalled past its limit) leaves its key one high: its
// next jobs rank one place later. The hash expires a day after its last change, so drift cannot
// outlive an idle day. Jobs without a key (recovery re-enqueues) carry no priority and BullMQ runs
// them before prioritized ones.
import type { Redis } from 'ioredis';

/** Job data field that carries the fairness key (an id, never PHI); stripped by the payload parse. */
export const FAIR_KEY_FIELD = '__fairKey';

/** BullMQ's largest priority (2^21). */
const MAX_PRIORITY = 2_097_152;
const IDLE_EXPIRY_S = 24 * 3600;

/** The hash of per-key counts of one queue. */
export function fairHashKey(prefix: string, queue: string): string {
  return `${prefix}:${queue}:fair`;
}

// Decrements and deletes the field at zero, so the hash holds only keys with work in flight.
const RELEASE = `
local v = redis.call('HINCRBY', KEYS[1], ARGV[1], -1)
if v <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
redis.call('EXPIRE', KEYS[1], ARGV[2])
return v`;

/** Counts `count` new jobs of `key` and returns their priorities, in order. */
export async function claimPriorities(redis: Redis, hashKey: string, key: string, count: number): Promise<number[]> {
  const [[, end]] = (await redis.multi().hincrby(hashKey, key, count).expire(hashKey, IDLE_EXPIRY_S).exec()) as [[Error | null, number]];
  const first = end - count + 1;
  return Array.from({ length: count }, (_, i) => Math.min(MAX_PRIORITY, Math.max(1, first + i)));
}

/** One job of `key` ended for good. */
export async function releasePriority(redis: Redis, hashKey: string, key: string): Promise<void> {
  await redis.eval(RELEASE, 1, hashKey, key, IDLE_EXPIRY_S);
}

/** The fairness key a job was enqueued with, if any. */
export function fairKeyOf(data: unknown): string | undefined {
  const key = (data as Record<string, unknown> | null)?.[FAIR_KEY_FIELD];
  return typeof key === 'string' ? key : undefined;
}
