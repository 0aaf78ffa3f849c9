// Per-model serving metrics (Prometheus). One registry per app so tests can build many apps.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Metrics the cache, batcher and routes update. */
export interface InferenceMetrics {
  registry: Registry;
  latency: Histogram<'model' | 'route'>;
  batchSize: Histogram<'model'>;
  queueDepth: Gauge<'model'>;
  loadedModels: Gauge;
  loadedBytes: Gauge;
  requests: Counter<'model' | 'outcome'>;
  loads: Counter<'outcome'>;
}

export function createMetrics(defaults = false): InferenceMetrics {
  const registry = new Registry();
  if (defaults) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    latency: new Histogram({
      name: 'medgrade_inference_request_duration_seconds', help: 'End-to-end inference latency per model',
      labelNames: ['model', 'route'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers,
    }),
    batchSize: new Histogram({ name: 'medgrade_inference_batch_size', help: 'Dispatched batch sizes per model', labelNames: ['model'], buckets: [1, 2, 4, 8, 16, 32, 64], registers }),
    queueDepth: new Gauge({ name: 'medgrade_inference_queue_depth', help: 'Requests waiting for a batch per model', labelNames: ['model'], registers }),
    loadedModels: new Gauge({ name: 'medgrade_inference_loaded_models', help: 'Model versions loaded in memory', registers }),
    loadedBytes: new Gauge({ name: 'medgrade_inference_loaded_bytes', help: 'Estimated bytes of loaded model versions', registers }),
    requests: new Counter({ name: 'medgrade_inference_requests_total', help: 'Inference requests per model and outcome', labelNames: ['model', 'outcome'], registers }),
    loads: new Counter({ name: 'medgrade_inference_model_loads_total', help: 'Model version loads by outcome', labelNames: ['outcome'], registers }),
  };
}

/** Runs one request's work, counting its outcome and observing its latency for `model`. */
export async function observed<T>(metrics: InferenceMetrics, model: string, route: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    const result = await work();
    metrics.requests.inc({ model, outcome: 'ok' });
    return result;
  } catch (e) {
    metrics.requests.inc({ model, outcome: 'error' });
    throw e;
  } finally {
    metrics.latency.observe({ model, route }, (performance.now() - started) / 1000);
  }
}
