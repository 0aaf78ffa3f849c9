// Runs the ingest reconciler every intervalMs in each replica. A Redis lease held for one interval
// lets a single replica run each pass; a pass that fails is reported and retried next interval
// (every pass is idempotent, so an overlap after a lease expiry is harmless).
import type { Leases } from '@medgrade/queue';
import { reconcileIngest, type ReconcileOptions, type ReconcileResult, type ReconcilerDeps } from './ingest.reconciler.ts';

/** Loop settings and observers (counts and errors only, never keys). */
export interface ReconcileLoopOptions extends ReconcileOptions {
  intervalMs: number;
  onPass?(result: ReconcileResult): void;
  onError?(error: Error): void;
}

/** A running loop; close() waits for the pass in progress. */
export interface ReconcileLoop {
  close(): Promise<void>;
}

const LEASE = 'ingest-reconcile';

/** Starts the periodic reconciler; the first pass runs after one interval. */
export function startReconcileLoop(deps: ReconcilerDeps, leases: Leases, options: ReconcileLoopOptions): ReconcileLoop {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let closed = false;
  const pass = async (): Promise<void> => {
    try {
      if (!(await leases.tryAcquire(LEASE, options.intervalMs))) return;
      options.onPass?.(await reconcileIngest(deps, options));
    } catch (error) {
      options.onError?.(error as Error);
    }
  };
  const schedule = (): void => {
    if (closed) return;
    timer = setTimeout(() => {
      running = pass().finally(schedule);
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
