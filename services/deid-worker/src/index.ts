export { startDeidWorkerApp, type DeidWorkerApp, type DeidWorkerAppOptions } from './worker.app.ts';
