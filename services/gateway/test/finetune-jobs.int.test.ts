// /v1/finetune-jobs through the real gateway (its own database, a filesystem store): a job is
// accepted with 202 and shows up with its events; bad input gets a clear 4xx and stores nothing
// (unknown base model, another organization's snapshot, an unknown pool, unknown gate keys); a
// cancelled job's cancel is a 409. No orchestrator runs here, so an accepted job stays validating
// until cancelled (services/training-orchestrator tests run them).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsObjectStore } from '@medgrade/storage';
import { seedOrg, type Org } from '@medgrade/training/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestGateway, type TestGateway } from './gateway.harness.ts';

describe('/v1/finetune-jobs', () => {
  let gw: TestGateway;
  let root: string;
  let a: Org;
  let b: Org;
  let authA: string;
  let authB: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'gw-finetune-'));
    const store = new FsObjectStore(root);
    gw = await createTestGateway({}, { store });
    a = await seedOrg(gw.db.prisma, store, 'ft-a', 6);
    b = await seedOrg(gw.db.prisma, store, 'ft-b', 6);
    authA = (await gw.key('ft-a', ['finetune:write'])).auth;
    authB = (await gw.key('ft-b', ['finetune:write'])).auth;
  }, 60_000);
  afterAll(async () => {
    await gw?.close();
    await rm(root, { recursive: true, force: true });
  });

  const post = (auth: string, url: string, payload?: object) => gw.app.inject({ method: 'POST', url, headers: { authorization: auth }, ...(payload ? { payload } : {}) });
  const get = (auth: string, url: string) => gw.app.inject({ method: 'GET', url, headers: { authorization: auth } });
  const body = (over: object = {}) => ({ baseModel: 'medgrade-cxr-tiny', datasetSnapshotId: a.snapshotId, method: 'lora', hyperparameters: { steps: 10 }, ...over });
  const count = () => gw.db.prisma.finetuneJob.count();

  it('accepts a job (202), lists it, shows it with its first event and audits the write', async () => {
    const res = await post(authA, '/v1/finetune-jobs', body({ priority: 'preemptible', gate: { maxFindingF1Drop: 0.1 } }));
    expect(res.statusCode).toBe(202);
    const { id, status } = res.json<{ id: string; status: string }>();
    expect(status).toBe('validating');
    const job = (await get(authA, `/v1/finetune-jobs/${id}`)).json<Record<string, unknown>>();
    expect(job).toMatchObject({ id, status: 'validating', baseModel: { name: 'medgrade-cxr-tiny', version: '1', modelVersionId: a.baseVersionId }, method: 'lora', priority: 'preemptible', nodePool: 'cpu', hyperparameters: { steps: 10 }, gate: { maxFindingF1Drop: 0.1 }, pendingReason: null });
    const list = (await get(authA, '/v1/finetune-jobs')).json<{ items: { id: string }[] }>();
    expect(list.items.map((j) => j.id)).toContain(id);
    const events = (await get(authA, `/v1/finetune-jobs/${id}/events?after=0`)).json<{ items: { seq: number; type: string; data: object }[]; next: number; finished: boolean }>();
    expect(events.items).toEqual([expect.objectContaining({ seq: 1, type: 'state', data: { from: null, to: 'validating' } })]);
    expect(events).toMatchObject({ next: 1, finished: false });
    expect((await get(authA, `/v1/finetune-jobs/${id}/events?after=1`)).json<{ items: unknown[] }>().items).toEqual([]);
    const audit = await gw.db.prisma.auditEvent.findFirst({ where: { action: 'finetune.create', resourceId: id } });
    expect(audit).not.toBeNull();
  });

  it('answers 404 for an unknown base model or version, and stores nothing', async () => {
    const before = await count();
    const unknown = await post(authA, '/v1/finetune-jobs', body({ baseModel: 'no-such-model' }));
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ error: { code: 'NOT_FOUND', message: 'A released version of base model no-such-model not found' } });
    const version = await post(authA, '/v1/finetune-jobs', body({ baseModel: 'medgrade-cxr-tiny@9' }));
    expect(version.statusCode).toBe(404);
    expect(version.json<{ error: { message: string } }>().error.message).toContain('medgrade-cxr-tiny@9');
    expect(await count()).toBe(before);
  });

  it('answers 404 for another organization\'s snapshot and job, and stores nothing', async () => {
    const before = await count();
    const res = await post(authA, '/v1/finetune-jobs', body({ datasetSnapshotId: b.snapshotId }));
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: { code: 'NOT_FOUND', message: 'Dataset snapshot not found' } });
    expect(await count()).toBe(before);
    const { id } = (await post(authA, '/v1/finetune-jobs', body())).json<{ id: string }>();
    expect((await get(authB, `/v1/finetune-jobs/${id}`)).statusCode).toBe(404);
    expect((await post(authB, `/v1/finetune-jobs/${id}/cancel`)).statusCode).toBe(404);
  });

  it('refuses an unknown node pool (422, naming the pools) and unknown gate or hyperparameter keys (400)', async () => {
    const before = await count();
    const pool = await post(authA, '/v1/finetune-jobs', body({ nodePool: 'h100' }));
    expect(pool.statusCode).toBe(422);
    expect(pool.json<{ error: { message: string } }>().error.message).toContain('use one of cpu');
    expect((await post(authA, '/v1/finetune-jobs', body({ gate: { exactMatch: 0.5 } }))).statusCode).toBe(400);
    expect((await post(authA, '/v1/finetune-jobs', body({ hyperparameters: { epochs: 3 } }))).statusCode).toBe(400);
    expect(await count()).toBe(before);
  });

  it('cancels a waiting job at once; cancelling it again is a 409 that says why', async () => {
    const { id } = (await post(authA, '/v1/finetune-jobs', body())).json<{ id: string }>();
    const cancelled = await post(authA, `/v1/finetune-jobs/${id}/cancel`);
    expect(cancelled.statusCode).toBe(200);
    expect(cancelled.json()).toMatchObject({ id, status: 'cancelled' });
    const again = await post(authA, `/v1/finetune-jobs/${id}/cancel`, { reason: 'twice' });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ error: { code: 'CONFLICT', message: expect.stringContaining('already cancelled') } });
    const events = (await get(authA, `/v1/finetune-jobs/${id}/events`)).json<{ items: { type: string; data: { to?: string } }[]; finished: boolean }>();
    expect(events.items.filter((e) => e.type === 'state').map((e) => e.data.to)).toEqual(['validating', 'cancelled']);
    expect(events.finished).toBe(true);
    expect(await gw.db.prisma.auditEvent.count({ where: { action: 'finetune.cancel', resourceId: id } })).toBe(1);
  });
});
