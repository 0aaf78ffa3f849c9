// Gateway-side ingest metrics on the app's registry: bytes in (uploads) and out (WADO-RS),
// instances accepted/refused at intake, queue depth and instances by status read at scrape time.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import { refreshedAtMost } from '@medgrade/service';

/** Counters the ingest routes update. */
export interface IngestMetrics {
  bytesIn(n: number): void;
  bytesOut(n: number): void;
  intake(outcome: 'accepted' | 'duplicate' | 'refused'): void;
}

// Keyed by registry: route plugins are encapsulated child instances sharing the root's registry.
const metricsByRegistry = new WeakMap<Registry, IngestMetrics>();

/** Registers the metrics once per app (routes call it from several plugins). */
export function ingestMetrics(app: FastifyInstance): IngestMetrics {
  const registry = app.metricsRegistry;
  const found = metricsByRegistry.get(registry);
  if (found) return found;
  const registers = [registry];
  // Read at scrape time, but at most once per METRICS_GAUGE_REFRESH_MS: a scrape is never a query per request.
  const every = app.deps.config.metrics.gaugeRefreshMs;
  const depth = refreshedAtMost(async () => (await app.deps.jobs?.depth()) ?? [], every);
  const byStatus = refreshedAtMost(() => app.repos.instances.countByStatus(), every);
  const bytes = new Counter({ name: 'medgrade_ingest_bytes_total', help: 'DICOM bytes received (in) and served (out)', labelNames: ['direction'], registers });
  const intake = new Counter({ name: 'medgrade_intake_instances_total', help: 'Instances at intake by outcome', labelNames: ['outcome'], registers });
  new Gauge({
    name: 'medgrade_queue_jobs',
    help: 'Jobs per queue and state',
    labelNames: ['queue', 'state'],
    registers,
    async collect() {
      for (const d of await depth()) {
        for (const state of ['waiting', 'active', 'delayed', 'failed'] as const) this.set({ queue: d.queue, state }, d[state]);
      }
    },
  });
  new Gauge({
    name: 'medgrade_instances',
    help: 'Instances by status (all organizations)',
    labelNames: ['status'],
    registers,
    async collect() {
      for (const r of await byStatus()) this.set({ status: r.status }, r.count);
    },
  });
  const metrics: IngestMetrics = {
    bytesIn: (n) => bytes.inc({ direction: 'in' }, n),
    bytesOut: (n) => bytes.inc({ direction: 'out' }, n),
    intake: (outcome) => intake.inc({ outcome }),
  };
  metricsByRegistry.set(registry, metrics);
  return metrics;
}
