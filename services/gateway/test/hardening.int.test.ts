// Issue 14 item 7, the smaller holes, on the real gateway (Postgres, Redis): client text never
// reaches a response header unescaped (QIDO's Warning), webhooks go to https only outside
// development, reading an inference's results is audited (who, which inference; no result
// content in the event), and the audit chain's head is anchored under a key the database lacks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashEvent } from '@medgrade/audit';
import { buildApp } from '../src/app.ts';
import { createTestGateway, type TestGateway } from './gateway.harness.ts';

describe('hardening: header text, https webhooks and audited result reads', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await createTestGateway();
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('answers QIDO with a sanitized Warning when an ignored key holds CR/LF or non-Latin-1 characters', async () => {
    const reader = await gw.key('qido-org', ['studies:read']);
    for (const [raw, shown] of [['Evil%0D%0AX-Injected:%201', 'Evil??X-Injected: 1'], ['%E2%80%A2Bullet', '?Bullet'], ['Quote%22Back%5Cslash', 'Quote?Back?slash']] as const) {
      const res = await gw.app.inject({ url: `/dicomweb/studies?${raw}=1`, headers: { authorization: reader.auth } });
      expect({ raw, status: res.statusCode }).toEqual({ raw, status: 200 });
      expect(res.headers['x-injected']).toBeUndefined();
      expect(res.headers.warning).toBe(`299 medgrade "Unsupported query keys ignored: ${shown}"`);
    }
  });

  it('refuses a plain-http webhookUrl outside development (400 naming https), accepts its form on a developer machine', async () => {
    const runner = await gw.key('webhook-org', ['inference:run']);
    const body = { models: ['none'], input: { studyId: '00000000-0000-4000-8000-000000000000' }, webhookUrl: 'http://93.184.216.34/hook' };
    const production = await buildApp({ config: { ...gw.config, dev: false }, prisma: gw.db.prisma, redis: gw.redis, inference: gw.app.deps.inference });
    try {
      await production.ready();
      const refused = await production.inject({ method: 'POST', url: '/v1/inferences', headers: { authorization: runner.auth }, payload: body });
      expect(refused.statusCode).toBe(400);
      expect(refused.json().error.message).toContain('it is not https');
    } finally {
      await production.close();
    }
    // The developer machine (MEDGRADE_DEV=1) lets the URL through to the next check: the unknown model.
    const dev = await gw.app.inject({ method: 'POST', url: '/v1/inferences', headers: { authorization: runner.auth }, payload: body });
    expect(dev.statusCode).toBe(404);
  });

  it('audits GET /v1/inferences/{id} as inference.read with the reader and the inference id, never the results', async () => {
    const runner = await gw.key('infer-org', ['inference:run']);
    const model = await gw.db.prisma.model.create({ data: { orgId: runner.orgId, name: 'audited-read' } });
    const version = await gw.db.prisma.modelVersion.create({ data: { orgId: runner.orgId, modelId: model.id, version: '1', manifest: {}, objectPrefix: `models/${runner.orgId}/${model.name}/1` } });
    const marker = 'RESULT-TEXT-QZX0417';
    const inference = await gw.db.prisma.inference.create({
      data: { orgId: runner.orgId, modelVersionId: version.id, status: 'SUCCEEDED', request: { models: [], input: { kind: 'study', instanceIds: [] } }, outputs: [{ model: { name: model.name, version: '1', versionId: version.id }, instances: [], error: { code: 'X', message: marker } }] },
    });
    const res = await gw.app.inject({ url: `/v1/inferences/${inference.id}`, headers: { authorization: runner.auth } });
    expect(res.statusCode).toBe(200);
    const events = await gw.db.prisma.auditEvent.findMany({ where: { orgId: runner.orgId, action: 'inference.read' } });
    expect(events).toEqual([expect.objectContaining({ actor: runner.keyId, resourceType: 'inference', resourceId: inference.id, requestId: res.headers['x-request-id'] })]);
    expect(JSON.stringify(events[0]!.details)).not.toContain(marker);
    // An unknown id reads nothing and records nothing.
    const missing = await gw.app.inject({ url: '/v1/inferences/00000000-0000-4000-8000-000000000000', headers: { authorization: runner.auth } });
    expect(missing.statusCode).toBe(404);
    expect(await gw.db.prisma.auditEvent.count({ where: { orgId: runner.orgId, action: 'inference.read' } })).toBe(1);
  });

  it('audits a polled inference once per key, when it reaches a final state, not on every poll', async () => {
    const runner = await gw.key('poll-org', ['inference:run']);
    const other = await gw.key('poll-org', ['inference:run']);
    const model = await gw.db.prisma.model.create({ data: { orgId: runner.orgId, name: 'polled' } });
    const version = await gw.db.prisma.modelVersion.create({ data: { orgId: runner.orgId, modelId: model.id, version: '1', manifest: {}, objectPrefix: `models/${runner.orgId}/${model.name}/1` } });
    const inference = await gw.db.prisma.inference.create({ data: { orgId: runner.orgId, modelVersionId: version.id, status: 'RUNNING', request: { models: [], input: { kind: 'study', instanceIds: [] } } } });
    const poll = async (key: { auth: string }) => {
      const res = await gw.app.inject({ url: `/v1/inferences/${inference.id}`, headers: { authorization: key.auth } });
      expect(res.statusCode).toBe(200);
      return res.json().status as string;
    };
    const reads = () => gw.db.prisma.auditEvent.findMany({ where: { orgId: runner.orgId, action: 'inference.read', resourceId: inference.id }, orderBy: { seq: 'asc' } });
    for (let i = 0; i < 5; i++) expect(await poll(runner)).toBe('running');
    expect(await reads()).toEqual([]);
    await gw.db.prisma.inference.update({ where: { id: inference.id }, data: { status: 'SUCCEEDED', outputs: [] } });
    // Concurrent polls of the finished inference by one key record one read.
    expect(await Promise.all(Array.from({ length: 4 }, () => poll(runner)))).toEqual(Array(4).fill('succeeded'));
    for (let i = 0; i < 3; i++) await poll(runner);
    expect((await reads()).map((e) => e.actor)).toEqual([runner.keyId]);
    // Another key reading the results is another reader: recorded once too.
    await poll(other);
    await poll(other);
    expect((await reads()).map((e) => e.actor)).toEqual([runner.keyId, other.keyId]);
    expect((await gw.app.inject({ url: '/v1/audit/verify', headers: { authorization: (await gw.key('poll-org', ['audit:read'])).auth } })).json()).toMatchObject({ intact: true });
  });

  it('/v1/audit/verify fails a chain whose head was rewritten with a recomputed hash (the keyed anchor no longer matches)', async () => {
    const admin = await gw.key('anchor-org', ['admin']);
    for (const slug of ['one', 'two']) expect((await gw.app.inject({ method: 'POST', url: '/v1/projects', headers: { authorization: admin.auth }, payload: { slug, name: slug } })).statusCode).toBe(201);
    const verify = async () => (await gw.app.inject({ url: '/v1/audit/verify', headers: { authorization: admin.auth } })).json();
    expect(await verify()).toMatchObject({ intact: true, firstBroken: null });
    const head = (await gw.db.prisma.auditEvent.findMany({ where: { orgId: admin.orgId }, orderBy: { seq: 'desc' }, take: 1 }))[0]!;
    const forged = hashEvent({ ...head, actor: 'mallory' });
    await gw.db.prisma.$transaction([
      gw.db.prisma.$executeRawUnsafe('SET LOCAL session_replication_role = replica'),
      gw.db.prisma.$executeRawUnsafe(`UPDATE "AuditEvent" SET actor = 'mallory', hash = '${forged}' WHERE seq = ${head.seq}`),
    ]);
    expect(await verify()).toMatchObject({ intact: false, firstBroken: { seq: String(head.seq), reason: 'anchor_mismatch' } });
  });
});
