// Issue 14.7: /metrics is for the operator's scraper only (METRICS_TOKEN, compared in constant
// time; not served without one outside development), and its gauges that read Postgres are
// refreshed at most every METRICS_GAUGE_REFRESH_MS, so scrapes are not a query each.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { createTestGateway, type TestGateway } from './gateway.harness.ts';

const TOKEN = 'metrics-token-for-the-test-scraper-0123456789';

const gauge = (text: string, status: string) => Number(new RegExp(`^medgrade_instances\\{status="${status}"\\} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);

describe('/metrics access and gauge refresh', () => {
  let gw: TestGateway;
  let production: FastifyInstance;
  beforeAll(async () => {
    gw = await createTestGateway({ METRICS_TOKEN: TOKEN, METRICS_GAUGE_REFRESH_MS: '600000' });
    // The same gateway as a production process that was given no metrics token.
    production = await buildApp({ config: { ...gw.config, dev: false, metrics: { gaugeRefreshMs: 0 } }, prisma: gw.db.prisma, redis: gw.redis, inference: gw.app.deps.inference });
    await production.ready();
  });
  afterAll(async () => {
    await production?.close();
    await gw?.close();
  });

  const scrape = (app: FastifyInstance, authorization?: string) => app.inject({ url: '/metrics', headers: authorization ? { authorization } : {} });

  it('answers 401 without the metrics token or with a wrong one (an API key included), 200 with it', async () => {
    const admin = await gw.key('metrics-org', ['admin']);
    for (const authorization of [undefined, `Bearer ${TOKEN.slice(0, -1)}`, `Bearer ${TOKEN}0`, admin.auth, TOKEN]) {
      const res = await scrape(gw.app, authorization);
      expect({ authorization, status: res.statusCode }).toEqual({ authorization, status: 401 });
      expect(res.body).not.toContain('medgrade_instances');
    }
    const ok = await scrape(gw.app, `Bearer ${TOKEN}`);
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('http_requests_total');
  });

  it('is not served at all by a production gateway without a metrics token', async () => {
    expect((await scrape(production)).statusCode).toBe(404);
    expect((await scrape(production, `Bearer ${TOKEN}`)).statusCode).toBe(404);
  });

  it('reads the instance counts once per refresh interval, not on every scrape', async () => {
    const org = await gw.db.prisma.organization.create({ data: { slug: 'gauges', name: 'Gauges' } });
    const projectId = await gw.project(org.id, 'p');
    const add = (n: number) => gw.db.prisma.instance.createMany({ data: Array.from({ length: n }, (_, i) => ({ orgId: org.id, projectId, status: 'FAILED' as const, inputSha256: `gauge-${n}-${i}` })) });
    const gateway = (gaugeRefreshMs: number) => buildApp({ config: { ...gw.config, metrics: { token: TOKEN, gaugeRefreshMs } }, prisma: gw.db.prisma, redis: gw.redis, inference: gw.app.deps.inference });
    const [cached, fresh] = [await gateway(600_000), await gateway(0)];
    try {
      await add(2);
      expect(gauge((await scrape(cached, `Bearer ${TOKEN}`)).body, 'FAILED')).toBe(2);
      await add(3);
      // Within the 10-minute refresh interval: the cached count, however often it is scraped.
      for (let i = 0; i < 3; i++) expect(gauge((await scrape(cached, `Bearer ${TOKEN}`)).body, 'FAILED')).toBe(2);
      // A gateway refreshing on every scrape (interval 0) sees the new rows.
      expect(gauge((await scrape(fresh, `Bearer ${TOKEN}`)).body, 'FAILED')).toBe(5);
    } finally {
      await cached.close();
      await fresh.close();
    }
  });
});
