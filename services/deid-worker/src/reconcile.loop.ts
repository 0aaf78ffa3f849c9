// Runs the ingest reconciler every intervalMs in each replica, through @medgrade/queue's leased
// loop: one replica per interval (Redis lease `ingest-reconcile`), a failed pass is reported and
// retried next interval (every pass is idempotent).
import { startLeasedLoop, type LeasedLoop, type Leases } from '@medgrade/queue';
import { reconcileIngest, type ReconcileOptions, type ReconcileResult, type ReconcilerDeps } from './ingest.reconciler.ts';

/** Loop settings and observers (counts and errors only, never keys). */
export interface ReconcileLoopOptions extends ReconcileOptions {
  intervalMs: number;
  onPass?(result: ReconcileResult): void;
  onError?(error: Error): void;
}

/** A running loop; close() waits for the pass in progress. */
export type ReconcileLoop = LeasedLoop;

/** Starts the periodic reconciler; the first pass runs after one interval. */
export function startReconcileLoop(deps: ReconcilerDeps, leases: Leases, options: ReconcileLoopOptions): ReconcileLoop {
  return startLeasedLoop(() => reconcileIngest(deps, options), leases, { lease: 'ingest-reconcile', intervalMs: options.intervalMs, onPass: options.onPass, onError: options.onError });
}
