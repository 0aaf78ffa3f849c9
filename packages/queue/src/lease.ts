// Time-boxed leases in Redis, so that periodic work run by every replica happens once per period.
// A lease is never released early: it expires after its TTL, and work that overruns it may overlap
// the next holder, so leased work must still be idempotent.
import { openRedis, type QueueConnection } from './queues.ts';

/** Named leases under the queue prefix. */
export interface Leases {
  /** True when this caller now holds `name` for ttlMs; false when another holder has it. */
  tryAcquire(name: string, ttlMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/** Opens the lease client on the queues' Redis and key prefix. */
export function createLeases(connection: QueueConnection): Leases {
  const redis = openRedis(connection.redisUrl);
  const prefix = connection.prefix ?? 'medgrade';
  return {
    async tryAcquire(name, ttlMs) {
      const reply = await redis.set(`${prefix}:lease:${name}`, String(Date.now()), 'PX', ttlMs, 'NX');
      return reply === 'OK';
    },
    async close() {
      await redis.quit();
    },
  };
}
