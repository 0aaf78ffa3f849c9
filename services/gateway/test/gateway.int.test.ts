import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Validator } from '@seriousme/openapi-schema-validator';
import { buildApp } from '../src/app.ts';
import { createTestGateway, type TestGateway } from './gateway.harness.ts';

describe('gateway', () => {
  let gw: TestGateway;
  let admin: { auth: string; orgId: string; keyId: string };
  beforeAll(async () => {
    gw = await createTestGateway({ RATE_LIMIT_MAX: '1000' });
    admin = await gw.key('acme', ['admin']);
  });
  afterAll(async () => {
    await gw.close();
  });

  const get = (url: string, auth?: string) => gw.app.inject({ method: 'GET', url, headers: auth ? { authorization: auth } : {} });

  it('serves liveness, readiness with each check, and Swagger UI', async () => {
    expect((await get('/health/live')).json()).toEqual({ status: 'ok' });
    const ready = await get('/health/ready');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ok', checks: { postgres: 'ok', redis: 'ok' } });
    const docs = await get('/docs');
    expect(docs.statusCode).toBe(200);
    expect(docs.body).toContain('Swagger UI');
  });

  it('reports 503 naming the failing readiness check', async () => {
    const broken = await createTestGateway({}, { readinessChecks: [{ name: 'objectStore', check: () => Promise.reject(new Error('down')) }] });
    try {
      const res = await broken.app.inject({ url: '/health/ready' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toEqual({ status: 'unavailable', checks: { postgres: 'ok', redis: 'ok', objectStore: 'fail' } });
    } finally {
      await broken.close();
    }
  });

  it('publishes a valid OpenAPI 3.1 document with bearer security and tags', async () => {
    const spec = (await get('/openapi.json')).json();
    expect(spec.openapi).toBe('3.1.0');
    const validator = new Validator();
    const result = await validator.validate(spec);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    expect(spec.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(spec.paths['/v1/audit/verify'].get.security).toEqual([{ bearerAuth: [] }]);
    expect(spec.paths['/v1/audit/verify'].get.tags).toEqual(['audit']);
    expect(spec.paths['/health/live'].get.security).toEqual([]); // public: explicitly no key
    // Every operation is documented: tags, summary and at least one success response.
    const undocumented = Object.entries(spec.paths as Record<string, Record<string, { tags?: string[]; summary?: string; responses?: Record<string, unknown> }>>)
      .flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ id: `${method.toUpperCase()} ${path}`, op })))
      .filter(({ op }) => !op.tags?.length || !op.summary || !Object.keys(op.responses ?? {}).some((code) => code.startsWith('2')))
      .map(({ id }) => id);
    expect(undocumented).toEqual([]);
  });

  it('answers unknown routes, missing keys, missing scopes and bad bodies in the one error shape', async () => {
    const unknown = await get('/v1/nope?name=x', admin.auth);
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'No route GET /v1/nope: see /docs for the API', requestId: unknown.headers['x-request-id'] } });

    const noKey = await get('/v1/audit/events');
    expect(noKey.statusCode).toBe(401);
    expect(noKey.json().error.code).toBe('UNAUTHENTICATED');
    expect((await get('/v1/audit/events', 'Bearer mgk_0123456789ab_' + 'x'.repeat(43))).statusCode).toBe(401);

    const reader = await gw.key('acme', ['studies:read']);
    const forbidden = await get('/v1/audit/events', reader.auth);
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json().error).toMatchObject({ code: 'FORBIDDEN', details: { missingScopes: ['audit:read'] } });

    const bad = await gw.app.inject({ method: 'POST', url: '/v1/projects', headers: { authorization: admin.auth }, payload: { slug: 'Not A Slug', extra: 1 } });
    expect(bad.statusCode).toBe(400);
    const problems = bad.json().error.details.problems.map((p: { path: string }) => p.path);
    expect(problems).toEqual(expect.arrayContaining(['body.slug', 'body.name']));
    expect(bad.json().error.code).toBe('VALIDATION_FAILED');
  });

  it('echoes a well-formed X-Request-Id', async () => {
    const res = await gw.app.inject({ url: '/health/live', headers: { 'x-request-id': 'trace-123' } });
    expect(res.headers['x-request-id']).toBe('trace-123');
  });

  it('creates a key shown once that works, lists it without secret, and revocation takes effect at once', async () => {
    const created = await gw.app.inject({ method: 'POST', url: '/v1/api-keys', headers: { authorization: admin.auth }, payload: { name: 'ci', scopes: ['audit:read'] } });
    expect(created.statusCode).toBe(201);
    const { key, id, prefix } = created.json();
    expect(key).toMatch(new RegExp(`^mgk_${prefix}_`));
    expect((await get('/v1/audit/events', `Bearer ${key}`)).statusCode).toBe(200);

    const listed = (await get('/v1/api-keys', admin.auth)).json();
    const entry = listed.items.find((k: { id: string }) => k.id === id);
    expect(entry).toMatchObject({ name: 'ci', scopes: ['audit:read'], revokedAt: null });
    expect(JSON.stringify(listed)).not.toContain(key);

    const revoked = await gw.app.inject({ method: 'DELETE', url: `/v1/api-keys/${id}`, headers: { authorization: admin.auth } });
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json().revokedAt).not.toBeNull();
    expect((await get('/v1/audit/events', `Bearer ${key}`)).statusCode).toBe(401);
  });

  it('a revocation reaches other gateway processes at once despite their key cache', async () => {
    const created = await gw.app.inject({ method: 'POST', url: '/v1/api-keys', headers: { authorization: admin.auth }, payload: { scopes: ['audit:read'] } });
    const { key, id } = created.json();
    // A second gateway on the same database and Redis, caching keys for a minute.
    const other = await buildApp({ config: { ...gw.config, gateway: { ...gw.config.gateway, keyCacheTtlMs: 60_000 } }, prisma: gw.db.prisma, redis: gw.redis, inference: gw.app.deps.inference });
    try {
      await other.ready();
      expect((await other.inject({ url: '/v1/me', headers: { authorization: `Bearer ${key}` } })).statusCode).toBe(200);
      await gw.app.inject({ method: 'DELETE', url: `/v1/api-keys/${id}`, headers: { authorization: admin.auth } });
      await expect.poll(async () => (await other.inject({ url: '/v1/me', headers: { authorization: `Bearer ${key}` } })).statusCode, { timeout: 2000 }).toBe(401);
    } finally {
      await other.close();
    }
  });

  it('audits every mutation and exports them as JSON lines', async () => {
    const project = await gw.app.inject({ method: 'POST', url: '/v1/projects', headers: { authorization: admin.auth }, payload: { slug: 'chest', name: 'Chest' } });
    expect(project.statusCode).toBe(201);
    const events = (await get('/v1/audit/events?resourceType=project', admin.auth)).json();
    expect(events.items).toEqual([
      expect.objectContaining({ action: 'project.create', resourceId: project.json().id, actor: admin.keyId, requestId: project.headers['x-request-id'] }),
    ]);
    const exported = await get('/v1/audit/events/export', admin.auth);
    expect(exported.headers['content-type']).toContain('application/x-ndjson');
    const lines = exported.body.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.action)).toEqual(expect.arrayContaining(['api_key.create', 'api_key.revoke', 'project.create']));
    expect(lines.every((l, i) => i === 0 || l.prevHash === lines[i - 1].hash)).toBe(true);
  });

  it('exposes request counts and latency histograms by route and status', async () => {
    await get('/health/live');
    const metrics = (await get('/metrics')).body;
    expect(metrics).toMatch(/http_requests_total\{method="GET",route="\/health\/live",status="200"\} \d+/);
    expect(metrics).toContain('http_request_duration_seconds_bucket{le="0.005",method="GET",route="/v1/audit/events",status="401"}');
  });

  it('reports the first tampered audit event after a superuser bypasses the trigger', async () => {
    const before = (await get('/v1/audit/verify', admin.auth)).json();
    expect(before).toMatchObject({ intact: true, firstBroken: null });
    expect(before.checked).toBeGreaterThanOrEqual(3);
    const events = (await get('/v1/audit/events', admin.auth)).json().items;
    const victim = events[1];
    await expect(gw.db.prisma.$executeRawUnsafe(`UPDATE "AuditEvent" SET details = '{}' WHERE seq = ${victim.seq}`)).rejects.toThrow(/append-only/);
    await gw.db.prisma.$transaction([
      gw.db.prisma.$executeRawUnsafe('SET LOCAL session_replication_role = replica'),
      gw.db.prisma.$executeRawUnsafe(`UPDATE "AuditEvent" SET details = '{"scopes":["admin"]}' WHERE seq = ${victim.seq}`),
    ]);
    const after = (await get('/v1/audit/verify', admin.auth)).json();
    expect(after).toEqual({ intact: false, checked: 2, firstBroken: { seq: victim.seq, reason: 'hash_mismatch', message: expect.any(String) } });
  });

  it('confines a project-bound key to its project', async () => {
    const p1 = await gw.project(admin.orgId, 'bound-1');
    const p2 = await gw.project(admin.orgId, 'bound-2');
    const bound = await gw.key('acme', ['admin'], p1);
    const projects = (await get('/v1/projects', bound.auth)).json().items.map((p: { id: string }) => p.id);
    expect(projects).toEqual([p1]);
    expect((await get(`/v1/projects/${p2}`, bound.auth)).statusCode).toBe(404);
    const keys = (await get('/v1/api-keys', bound.auth)).json().items.map((k: { id: string }) => k.id);
    expect(keys).toEqual([bound.keyId]);
    expect((await get(`/v1/api-keys/${admin.keyId}`, bound.auth)).statusCode).toBe(404);
    const post = (url: string, payload: object) => gw.app.inject({ method: 'POST', url, headers: { authorization: bound.auth }, payload });
    expect((await post('/v1/api-keys', { scopes: ['admin'], projectId: p2 })).statusCode).toBe(404);
    const minted = await post('/v1/api-keys', { scopes: ['studies:read'] });
    expect(minted.json().projectId).toBe(p1);
    expect((await post('/v1/projects', { slug: 'sneaky', name: 'S' })).statusCode).toBe(403);
  });

  it('rate limits per key with 429 and Retry-After', async () => {
    const limited = await createTestGateway({ RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW_MS: '3600000' });
    try {
      const k1 = await limited.key('rl', ['audit:read']);
      const k2 = await limited.key('rl', ['audit:read']);
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await limited.app.inject({ url: '/v1/audit/verify', headers: { authorization: k1.auth } })).statusCode);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const last = await limited.app.inject({ url: '/v1/audit/verify', headers: { authorization: k1.auth } });
      expect(last.json().error.code).toBe('RATE_LIMITED');
      expect(Number(last.headers['retry-after'])).toBeGreaterThan(0);
      expect((await limited.app.inject({ url: '/v1/audit/verify', headers: { authorization: k2.auth } })).statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
