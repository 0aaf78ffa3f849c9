export { reconcileIngest, createReconcileRepository, type ReconcileResult } from './ingest.reconciler.ts';
export { startDeidWorkerApp, type DeidWorkerApp, type DeidWorkerAppOptions } from './worker.app.ts';
