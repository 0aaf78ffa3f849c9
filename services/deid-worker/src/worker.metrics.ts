// Prometheus metrics of the de-identification worker, served on its own port so every worker
// replica is scraped: job durations, instances by final status, bytes in/out, queue depth.
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { JobObserver, QueueDepth } from '@medgrade/queue';
import type { MetricsAccess } from '@medgrade/service';

/** The worker's metric handles. */
export interface WorkerMetrics {
  registry: Registry;
  observe: JobObserver;
  onBytes(direction: 'in' | 'out', bytes: number): void;
  onFinal(status: 'READY' | 'REJECTED' | 'FAILED'): void;
  onReviewHeld(): void;
}

/** Creates the registry; `depth` and `memoryReserved` are read at scrape time. */
export function createWorkerMetrics(depth: () => Promise<QueueDepth[]>, memoryReserved?: () => number): WorkerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'medgrade_deid_worker_' });
  const durations = new Histogram({
    name: 'medgrade_job_duration_seconds',
    help: 'Job attempt durations by job name and outcome',
    labelNames: ['job', 'outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const finals = new Counter({ name: 'medgrade_instances_final_total', help: 'Instances by final status (a burned-in review hold is not final: see medgrade_instances_review_held_total)', labelNames: ['status'], registers: [registry] });
  const held = new Counter({ name: 'medgrade_instances_review_held_total', help: 'Instances held for burned-in review (their final status is counted once decided)', registers: [registry] });
  const bytes = new Counter({ name: 'medgrade_deid_bytes_total', help: 'Bytes read from quarantine (in) and written to deid/ (out)', labelNames: ['direction'], registers: [registry] });
  new Gauge({
    name: 'medgrade_queue_jobs',
    help: 'Jobs per queue and state',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      for (const d of await depth()) {
        for (const state of ['waiting', 'active', 'delayed', 'failed'] as const) this.set({ queue: d.queue, state }, d[state]);
      }
    },
  });
  if (memoryReserved) {
    new Gauge({
      name: 'medgrade_deid_memory_reserved_bytes',
      help: 'Bytes reserved by running de-identification jobs (DEID_WORKER_MEMORY_BUDGET_MB bounds it)',
      registers: [registry],
      collect() {
        this.set(memoryReserved());
      },
    });
  }
  return {
    registry,
    observe: (e) => durations.observe({ job: e.name, outcome: e.outcome }, e.seconds),
    onBytes: (direction, n) => bytes.inc({ direction }, n),
    onFinal: (status) => finals.inc({ status }),
    onReviewHeld: () => held.inc(),
  };
}

/**
 * Serves GET /metrics (and GET /health/live, open) on host:port; resolves once listening. `access` decides each scrape
 * (@medgrade/service metricsAccess: the METRICS_TOKEN, or open on a loopback-only port).
 */
export async function serveMetrics(registry: Registry, host: string, port: number, access: (authorization: string | undefined) => MetricsAccess): Promise<Server> {
  const server = createServer((req, res) => {
    // Liveness for probes that cannot present a token (a kubelet): says nothing but "running".
    if (req.url === '/health/live') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    const verdict = req.url === '/metrics' ? access(req.headers.authorization) : 'not-served';
    if (verdict !== 'allowed') {
      res.writeHead(verdict === 'unauthenticated' ? 401 : 404, verdict === 'unauthenticated' ? { 'www-authenticate': 'Bearer' } : {}).end();
      return;
    }
    registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
  return server;
}
