// Runs a periodic pass (the reconcilers of the deid-worker and the gateway's inference worker)
// every intervalMs in each replica. A Redis lease held for one interval lets a single replica run
// each pass; a pass that fails is reported and retried next interval (passes must be idempotent,
// so an overlap after a lease expiry is harmless).
import type { Leases } from './lease.ts';

/** Loop settings and observers (counts and errors only, never keys). */
export interface LeasedLoopOptions<R> {
  /** Lease name shared by every replica. */
  lease: string;
  intervalMs: number;
  onPass?(result: R): void;
  onError?(error: Error): void;
}

/** A running loop; close() waits for the pass in progress, then closes the leases. */
export interface LeasedLoop {
  close(): Promise<void>;
}

/** Starts the periodic pass; the first one runs after one interval. */
export function startLeasedLoop<R>(pass: () => Promise<R>, leases: Leases, options: LeasedLoopOptions<R>): LeasedLoop {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let closed = false;
  const tick = async (): Promise<void> => {
    try {
      if (!(await leases.tryAcquire(options.lease, options.intervalMs))) return;
      // Not `onPass?.(await pass())`: an optional call skips its arguments, so no observer would mean no pass.
      const result = await pass();
      options.onPass?.(result);
    } catch (error) {
      options.onError?.(error as Error);
    }
  };
  const schedule = (): void => {
    if (closed) return;
    timer = setTimeout(() => {
      running = tick().finally(schedule);
    }, options.intervalMs);
  };
  schedule();
  return {
    async close() {
      closed = true;
      clearTimeout(timer);
      await running;
      await leases.close();
    },
  };
}
