import fp from 'fastify-plugin';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { NotFoundError, UnauthenticatedError } from '@medgrade/contracts';
import { metricsAccess } from '@medgrade/service';

// Request counts and latency by route template (never the raw URL: unbounded cardinality and
// possible PHI) and status. The registry is per app and exposed as `app.metricsRegistry` so other
// plugins can add their own metrics.

export const metricsPlugin = fp(
  async (app) => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const labelNames = ['method', 'route', 'status'] as const;
    const requests = new Counter({ name: 'http_requests_total', help: 'HTTP requests by route and status', labelNames, registers: [registry] });
    const duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency by route and status',
      labelNames,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
    app.decorate('metricsRegistry', registry);

    // Label children cached per (method, route, status): prom-client hashes label objects on
    // every call otherwise, which shows up in the gateway's per-request cost.
    const children = new Map<string, { count: Counter.Internal; latency: Histogram.Internal<string> }>();
    app.addHook('onResponse', (request, reply, done) => {
      const route = request.is404 ? 'unmatched' : (request.routeOptions.url ?? 'unmatched');
      const id = `${request.method} ${route} ${reply.statusCode}`;
      let child = children.get(id);
      if (!child) {
        const labels = [request.method, route, String(reply.statusCode)];
        child = { count: requests.labels(...labels), latency: duration.labels(...labels) };
        children.set(id, child);
      }
      child.count.inc();
      child.latency.observe(reply.elapsedTime / 1000);
      done();
    });

    // Not an API key route: a scraper presents METRICS_TOKEN; without one, only a developer machine serves it.
    const access = metricsAccess(app.deps.config.metrics.token, app.deps.config.dev);
    app.get('/metrics', {
      config: { public: true },
      schema: {
        tags: ['operations'], summary: 'Prometheus metrics (text format)',
        description: 'For the operator\'s Prometheus: needs `Authorization: Bearer <METRICS_TOKEN>`; not served (404) where no METRICS_TOKEN is configured, except on a developer machine (MEDGRADE_DEV=1).',
      },
    }, async (request, reply) => {
      const verdict = access(request.headers.authorization);
      if (verdict === 'not-served') throw new NotFoundError('Route');
      if (verdict === 'unauthenticated') throw new UnauthenticatedError('Present the metrics token: Authorization: Bearer <METRICS_TOKEN>');
      return reply.type(registry.contentType).send(await registry.metrics());
    });
  },
  { name: 'metrics', dependencies: ['deps', 'errors'] },
);
