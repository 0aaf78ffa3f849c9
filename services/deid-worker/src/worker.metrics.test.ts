import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { metricsAccess } from '@medgrade/service';
import { createWorkerMetrics, serveMetrics } from './worker.metrics.ts';

// Issue 14.7: the worker's metrics port answers a scraper only with the METRICS_TOKEN when one is
// configured, and its queue-depth gauge reads the queue through the function it was given.
describe('the worker metrics endpoint', () => {
  it('serves /metrics only with the bearer token', async () => {
    const token = 'worker-metrics-token-0123456789abcdef';
    const metrics = createWorkerMetrics(async () => [{ queue: 'deidentify', waiting: 3, active: 1, delayed: 0, failed: 0 }]);
    const server = await serveMetrics(metrics.registry, '127.0.0.1', 0, metricsAccess(token, true));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const get = (path: string, authorization?: string) => fetch(`${url}${path}`, { headers: authorization ? { authorization } : {} });
      expect((await get('/metrics')).status).toBe(401);
      expect((await get('/metrics', `Bearer ${token}x`)).status).toBe(401);
      expect((await get('/other', `Bearer ${token}`)).status).toBe(404);
      expect(await (await get('/health/live')).text()).toBe('ok');
      const ok = await get('/metrics', `Bearer ${token}`);
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('medgrade_queue_jobs{queue="deidentify",state="waiting"} 3');
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
