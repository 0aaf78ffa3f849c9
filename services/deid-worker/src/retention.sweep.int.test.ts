// Retention of raw uploads against the real Postgres (own database), Redis (own queue prefix), a
// filesystem object store and the running worker with its reconciler loop: transient failures are
// retried and succeed or, beyond the limit, stay FAILED without their raw object; reviews left
// undecided expire; final rows that still hold a raw object lose it; every deletion is audited.
// The only fault injected is in front of the real store: reads of chosen raw objects fail as an
// unreachable object store would (not "not found", which is final).
import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { JOB_CATALOG } from '@medgrade/contracts';
import { Prisma, type TestDatabase } from '@medgrade/db';
import { createProducer, type JobProducer } from '@medgrade/queue';
import { quarantineKey, type FsObjectStore, type ObjectStore } from '@medgrade/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finalHoldersSql } from './retention.sweep.ts';
import { createWorkerFixture, objectExists, waitUntil, type WorkerFixture } from './testing/worker.fixture.ts';
import { startDeidWorkerApp, type DeidWorkerApp } from './worker.app.ts';

// Distinct instances (a project holds one live instance per SOP Instance UID): one file per test instance.
const MR_ROOT = '/usr/lib/python3/dist-packages/pydicom/data/test_files/dicomdirtests/98892003';
const MR_DIRS = ['MR700', 'MR2', 'MR1'].map((dir) => join(MR_ROOT, dir));
const MR_FILES = MR_DIRS.flatMap((dir) => readdirSync(dir).sort().map((name) => join(dir, name)));
const HOUR_MS = 3600_000;

let fx: WorkerFixture;
let db: TestDatabase;
let store: FsObjectStore;
let firstTry: JobProducer<typeof JOB_CATALOG>;
let worker: DeidWorkerApp;
const errors: string[] = [];
let orgId: string;
let projectId: string;
/** Raw keys whose reads fail like an unreachable store. */
const unreachable = new Set<string>();
/** Raw keys whose reads wait until `unblock` is called: jobs that keep the worker busy (a backlog). */
const slow = new Set<string>();
let unblock: () => void = () => undefined;
const blocked = new Promise<void>((resolve) => { unblock = resolve; });

/** The real store, except that reading an unreachable key throws a transient fault. */
function faulty(real: ObjectStore): ObjectStore {
  return {
    put: (key, body, options) => real.put(key, body, options),
    get: async (key) => {
      if (unreachable.has(key)) throw new Error('connect ECONNREFUSED (injected)');
      if (slow.has(key)) await blocked;
      return real.get(key);
    },
    head: (key) => real.head(key),
    delete: (key) => real.delete(key),
    deleteMany: (keys) => real.deleteMany(keys),
    list: (p) => real.list(p),
    check: () => real.check(),
  };
}

const exists = (key: string) => objectExists(store, key);
const until = (what: string, check: () => Promise<boolean>, timeoutMs = 90_000) => waitUntil(what, check, timeoutMs, () => `worker errors: ${errors.slice(-5).join('; ')}`);

/** An uploaded instance as gateway intake leaves it: raw object, RECEIVED row. */
async function received(): Promise<{ id: string; key: string }> {
  const id = randomUUID();
  const key = quarantineKey(orgId, projectId, id);
  const file = MR_FILES.shift();
  if (!file) throw new Error(`add files: ${MR_ROOT} has too few for this test file`);
  await store.put(key, await readFile(file));
  await db.prisma.instance.create({ data: { id, orgId, projectId, quarantineKey: key, inputSha256: randomBytes(32).toString('hex') } });
  return { id, key };
}

const row = (id: string) => db.prisma.instance.findUniqueOrThrow({ where: { id } });

beforeAll(async () => {
  fx = await createWorkerFixture('retention');
  ({ db, store, orgId, projectId } = fx);
  // The first run of a test's instance gets one attempt, so its failure is final at once; the
  // sweep's re-runs use the catalog's own policy (the worker's producer).
  const oneAttempt = { InstanceDeidentify: { ...JOB_CATALOG.InstanceDeidentify, retry: { attempts: 1, backoff: { type: 'fixed' as const, delayMs: 10 } } } };
  firstTry = createProducer(oneAttempt, fx.queue) as unknown as JobProducer<typeof JOB_CATALOG>;
  worker = startDeidWorkerApp({
    prisma: db.prisma, store: faulty(store), queue: fx.queue, projectSecretKey: fx.secretKey, auditAnchorKey: fx.auditAnchorKey, concurrency: 2,
    reconcile: { intervalMs: 250, graceMs: 1_000, batchSize: 50 },
    retention: { retryLimit: 1, retryBackoffMs: 500, rawHours: 1 },
    onError: (job, error) => errors.push(`${job}: ${error.message}`),
  });
});

afterAll(async () => {
  await worker?.close();
  await firstTry?.close();
  await fx?.close();
});

describe('retention sweep', () => {
  it('retries an instance that failed for a transient reason, which then ends READY without its raw object', async () => {
    const { id, key } = await received();
    unreachable.add(key);
    await firstTry.enqueue('InstanceDeidentify', { requestId: 'test', instanceId: id });
    await until('the first run to fail', async () => (await row(id)).status === 'FAILED');
    expect((await row(id)).errorCode).toBe('DEID_FAILED');
    expect(await exists(key)).toBe(true);
    // The store is back: the sweep runs it again after its backoff.
    unreachable.delete(key);
    await until('READY', async () => (await row(id)).status === 'READY');
    const done = await row(id);
    expect(done.retryCount).toBe(1);
    expect(done.errorCode).toBeNull();
    expect(await exists(done.objectKey!)).toBe(true);
    await until('the raw object to go', async () => !(await exists(key)) && (await row(id)).quarantineKey === null);
  });

  it('keeps the raw object of the last retry while its job waits longer than the grace period, and that retry ends READY', async () => {
    const { id, key } = await received();
    unreachable.add(key);
    await firstTry.enqueue('InstanceDeidentify', { requestId: 'test', instanceId: id });
    await until('the first run to fail', async () => (await row(id)).status === 'FAILED');
    // A backlog: both of the worker's slots (concurrency 2) hold jobs that wait on the store.
    const busy = [await received(), await received()];
    for (const b of busy) slow.add(b.key);
    for (const b of busy) await firstTry.enqueue('InstanceDeidentify', { requestId: 'test', instanceId: b.id });
    await until('the worker to be busy', async () => (await db.prisma.instance.count({ where: { id: { in: busy.map((b) => b.id) }, status: 'DEIDENTIFYING' } })) === 2);
    unreachable.delete(key);
    // The sweep queues the last retry (retryLimit 1) behind the backlog ...
    await until('the retry to be queued', async () => (await row(id)).retryCount === 1);
    expect(await row(id)).toMatchObject({ status: 'FAILED', errorCode: 'DEID_RETRYING' });
    // ... where it waits for several passes, well past the grace period (1 s): it is not final yet.
    await new Promise((r) => setTimeout(r, 4_000));
    expect(await row(id)).toMatchObject({ status: 'FAILED', errorCode: 'DEID_RETRYING', quarantineKey: key });
    expect(await exists(key)).toBe(true);
    unblock();
    await until('the retry to end READY', async () => (await row(id)).status === 'READY');
    expect((await row(id)).errorCode).toBeNull();
    await until('its raw object to go', async () => !(await exists(key)) && (await row(id)).quarantineKey === null);
    for (const b of busy) await until('the backlog to end READY', async () => (await row(b.id)).status === 'READY');
  });

  it('queues again a retry whose job was lost, instead of keeping its raw object forever', async () => {
    const { id, key } = await received();
    // What a queued retry whose job Redis lost leaves: FAILED DEID_RETRYING, counted, no job.
    await db.prisma.$executeRaw`UPDATE "Instance" SET "status" = 'FAILED', "errorCode" = 'DEID_RETRYING', "retryCount" = 1, "updatedAt" = now() - interval '1 hour' WHERE "id" = ${id}::uuid`;
    await until('the lost retry to end READY', async () => (await row(id)).status === 'READY');
    expect((await row(id)).retryCount).toBe(1);
    await until('its raw object to go', async () => !(await exists(key)) && (await row(id)).quarantineKey === null);
  });

  it('keeps a persistent failure FAILED with its reason after the configured retries, and deletes its raw object (audited)', async () => {
    const { id, key } = await received();
    unreachable.add(key);
    await firstTry.enqueue('InstanceDeidentify', { requestId: 'test', instanceId: id });
    // One first run, one retry (retryLimit 1; the retry's job backs off 1 + 2 + 4 + 8 s inside BullMQ), then the raw object goes.
    await until('the raw object of the failed instance to go', async () => (await row(id)).quarantineKey === null, 120_000);
    const failed = await row(id);
    expect({ status: failed.status, errorCode: failed.errorCode, retryCount: failed.retryCount }).toEqual({ status: 'FAILED', errorCode: 'DEID_FAILED', retryCount: 1 });
    expect(await exists(key)).toBe(false);
    const events = await db.prisma.auditEvent.findMany({ where: { orgId, action: 'retention.raw-deleted' } });
    const mine = events.filter((e) => (e.details as { instanceIds: string[] }).instanceIds.includes(id));
    expect(mine).toHaveLength(1);
    expect(mine[0]!.actor).toBe('system:deid-worker');
    expect(mine[0]!.projectId).toBe(projectId);
    expect(Object.keys(mine[0]!.details as object).sort()).toEqual(['count', 'instanceIds']);
  }, 150_000);

  it('counts a run that died (a DEIDENTIFYING row no job holds) as a retry: re-run below the limit, FAILED without its raw object at it', async () => {
    const crashed = async (retryCount: number) => {
      const { id, key } = await received();
      // What a worker killed mid-way (or a job stalled past BullMQ's limit) leaves: claimed, no live job.
      await db.prisma.$executeRaw`UPDATE "Instance" SET "status" = 'DEIDENTIFYING', "retryCount" = ${retryCount}, "updatedAt" = now() - interval '1 hour' WHERE "id" = ${id}::uuid`;
      return { id, key };
    };
    const once = await crashed(0);
    const again = await crashed(1);
    await until('the first to be READY', async () => (await row(once.id)).status === 'READY');
    expect((await row(once.id)).retryCount).toBe(1);
    await until('the second to lose its raw object', async () => (await row(again.id)).quarantineKey === null);
    expect(await row(again.id)).toMatchObject({ status: 'FAILED', errorCode: 'DEID_FAILED', retryCount: 1 });
    expect(await exists(again.key)).toBe(false);
  });

  it('ends a review left undecided past the limit as REJECTED REVIEW_EXPIRED, deleting its raw object, and keeps a fresh one', async () => {
    const make = async (ageMs: number) => {
      const id = randomUUID();
      const key = quarantineKey(orgId, projectId, id);
      await store.put(key, randomBytes(64));
      await db.prisma.instance.create({ data: { id, orgId, projectId, status: 'REJECTED', errorCode: 'BURNED_IN_REVIEW', quarantineKey: key, inputSha256: randomBytes(32).toString('hex'), createdAt: new Date(Date.now() - ageMs) } });
      return { id, key };
    };
    const old = await make(2 * HOUR_MS);
    const fresh = await make(0);
    await until('the review to expire', async () => (await row(old.id)).quarantineKey === null);
    expect((await row(old.id)).errorCode).toBe('REVIEW_EXPIRED');
    expect((await row(old.id)).status).toBe('REJECTED');
    expect(await exists(old.key)).toBe(false);
    const rejected = await db.prisma.auditEvent.findMany({ where: { orgId, resourceId: old.id } });
    expect(rejected.map((e) => [e.action, e.details])).toEqual([['instance.rejected', { code: 'REVIEW_EXPIRED' }]]);
    // A pass or two later the fresh review is still held.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await row(fresh.id)).toMatchObject({ status: 'REJECTED', errorCode: 'BURNED_IN_REVIEW', quarantineKey: fresh.key });
    expect(await exists(fresh.key)).toBe(true);
  });

  it('deletes the raw objects that final rows still hold (a crash between commit and deletion)', async () => {
    const make = async (status: 'READY' | 'REJECTED' | 'FAILED', errorCode: string | null) => {
      const id = randomUUID();
      const key = quarantineKey(orgId, projectId, id);
      await store.put(key, randomBytes(64));
      await db.prisma.instance.create({ data: { id, orgId, projectId, status, errorCode, quarantineKey: key, inputSha256: randomBytes(32).toString('hex') } });
      await db.prisma.$executeRaw`UPDATE "Instance" SET "updatedAt" = now() - interval '1 minute' WHERE "id" = ${id}::uuid`;
      return { id, key };
    };
    const held = [await make('READY', null), await make('REJECTED', 'NOT_DICOM'), await make('FAILED', 'RAW_OBJECT_MISSING')];
    await until('the leftovers to go', async () => (await db.prisma.instance.count({ where: { id: { in: held.map((h) => h.id) }, quarantineKey: null } })) === held.length);
    for (const h of held) expect(await exists(h.key)).toBe(false);
    expect((await row(held[0]!.id)).status).toBe('READY');
  });

  it('finds the rows holding a raw object through the partial index, never the READY bulk', async () => {
    await db.prisma.$executeRaw`
      INSERT INTO "Instance" ("id", "orgId", "projectId", "status", "inputSha256", "updatedAt")
      SELECT gen_random_uuid(), ${orgId}::uuid, ${projectId}::uuid, 'READY', md5(g::text), now() - g * interval '1 second'
      FROM generate_series(1, 20000) AS g`;
    await db.prisma.$executeRaw`ANALYZE "Instance"`;
    // The very statement the repository runs (finalHolders), explained.
    const rows = await db.prisma.$queryRaw<{ 'QUERY PLAN': unknown }[]>(Prisma.sql`EXPLAIN (FORMAT JSON) ${finalHoldersSql({ graceMs: 1_000 }, 500, 3)}`);
    const plan = JSON.stringify(rows[0]!['QUERY PLAN']);
    expect(plan).toContain('"Index Name":"Instance_quarantined_createdAt_idx"');
    expect(plan).not.toContain('Seq Scan');
  });
});
