// The ingest reconciler against the real Postgres (own database), Redis (own queue prefix) and a
// filesystem object store: it recovers the two crash gaps of gateway intake.
import { randomBytes, randomUUID } from 'node:crypto';
import { readFile, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { JOB_CATALOG } from '@medgrade/contracts';
import { Prisma, type TestDatabase } from '@medgrade/db';
import { createProducer, openRedis, type JobProducer } from '@medgrade/queue';
import type { FsObjectStore } from '@medgrade/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReconcileRepository, reconcileIngest, stuckInstancesSql, type ReconcileResult } from './ingest.reconciler.ts';
import { createWorkerFixture, objectExists, waitUntil, type WorkerFixture } from './testing/worker.fixture.ts';
import { startDeidWorkerApp, type DeidWorkerApp } from './worker.app.ts';

const MR_FILE = '/usr/lib/python3/dist-packages/pydicom/data/test_files/dicomdirtests/98892003/MR1/4919';
const HOUR_MS = 3600_000;
const GRACE_MS = 60_000;

let fx: WorkerFixture;
let db: TestDatabase;
let root: string;
let store: FsObjectStore;
let jobs: JobProducer<typeof JOB_CATALOG>;
let worker: DeidWorkerApp;
const passes: ReconcileResult[] = [];
const errors: string[] = [];
let orgId: string;
let projectId: string;

function keyOf(instanceId: string): string {
  return `quarantine/${orgId}/${projectId}/${instanceId}.dcm`;
}

/** Stores a raw object whose modification time is ageMs in the past. */
async function putRaw(instanceId: string, bytes: Buffer, ageMs: number): Promise<string> {
  const key = keyOf(instanceId);
  await store.put(key, bytes);
  const at = new Date(Date.now() - ageMs);
  await utimes(join(root, ...key.split('/')), at, at);
  return key;
}

const exists = (key: string) => objectExists(store, key);
const until = (check: () => Promise<boolean>, timeoutMs = 60_000) => waitUntil('the reconciler', check, timeoutMs);

beforeAll(async () => {
  fx = await createWorkerFixture('reconcile');
  ({ db, root, store, orgId, projectId } = fx);
  jobs = createProducer(JOB_CATALOG, fx.queue);
  worker = startDeidWorkerApp({
    prisma: db.prisma, store, queue: fx.queue, projectSecretKey: fx.secretKey, auditAnchorKey: fx.auditAnchorKey, concurrency: 2,
    reconcile: { intervalMs: 200, graceMs: GRACE_MS, batchSize: 10 },
    onReconcile: (result) => passes.push(result),
    onError: (job, error) => errors.push(`${job}: ${error.message}`),
  });
});

afterAll(async () => {
  await worker?.close();
  await jobs?.close();
  await fx?.close();
});

describe('ingest reconciler', () => {
  it('re-enqueues a RECEIVED row that never got a job, which then ends READY', async () => {
    const instanceId = randomUUID();
    const key = await putRaw(instanceId, await readFile(MR_FILE), HOUR_MS);
    // The crash: row inserted, enqueue never happened.
    await db.prisma.instance.create({ data: { id: instanceId, orgId, projectId, quarantineKey: key, inputSha256: 'a'.repeat(64) } });
    await db.prisma.$executeRaw`UPDATE "Instance" SET "updatedAt" = now() - interval '1 hour' WHERE "id" = ${instanceId}::uuid`;

    // READY commits first; the raw object is deleted and its key cleared right after.
    const done = async () => {
      const r = await db.prisma.instance.findUniqueOrThrow({ where: { id: instanceId } });
      return r.status !== 'RECEIVED' && r.status !== 'DEIDENTIFYING' && r.quarantineKey === null;
    };
    await until(done).catch(async (error: unknown) => {
      const r = await db.prisma.instance.findUniqueOrThrow({ where: { id: instanceId } });
      throw new Error(`status ${r.status} ${r.errorCode ?? ''}, key ${r.quarantineKey ? 'kept' : 'cleared'}; worker errors: ${errors.join('; ')}`, { cause: error });
    });
    const row = await db.prisma.instance.findUniqueOrThrow({ where: { id: instanceId } });
    expect(row.status).toBe('READY');
    expect(row.errorCode).toBeNull();
    expect(await exists(row.objectKey!)).toBe(true);
    expect(await exists(key)).toBe(false);
    expect(passes.some((p) => p.requeued === 1)).toBe(true);

    // Done work is not redone: another pass finds nothing to re-enqueue.
    const again = await reconcileIngest({ repo: createReconcileRepository(db.prisma), store, jobs }, { graceMs: GRACE_MS, batchSize: 10 });
    expect(again.requeued).toBe(0);
  });

  it('once Redis has lost its queued jobs, re-enqueues a fresh in-flight row at once, not after the grace period; a fresh orphan object stays', async () => {
    // A pass has run, so Redis holds the marker of kept data.
    await until(async () => passes.length > 0);
    const instanceId = randomUUID();
    // Another file than the first test's, whose SOP Instance UID is stored already.
    const key = await putRaw(instanceId, await readFile('/usr/lib/python3/dist-packages/pydicom/data/test_files/MR_small.dcm'), 0);
    const orphan = await putRaw(randomUUID(), randomBytes(64), 0);
    // Accepted a moment ago, its job since lost with the rest of Redis's data.
    await db.prisma.instance.create({ data: { id: instanceId, orgId, projectId, quarantineKey: key, inputSha256: 'c'.repeat(64) } });
    const status = async () => (await db.prisma.instance.findUniqueOrThrow({ where: { id: instanceId } })).status;
    // Redis kept its data: passes (every 200 ms) leave the row to its grace period.
    const before = passes.length;
    await until(async () => passes.length >= before + 3);
    expect(await status()).toBe('RECEIVED');

    // Redis comes back empty: the marker the passes keep is gone with everything else.
    const redis = openRedis(fx.queue.redisUrl);
    try {
      expect(await redis.del(`${fx.queue.prefix}:queue-data`)).toBe(1);
    } finally {
      await redis.quit();
    }
    await until(async () => (await status()) === 'READY', 30_000).catch(async (error: unknown) => {
      throw new Error(`status ${await status()}; passes ${JSON.stringify(passes.slice(before))}; worker errors: ${errors.join('; ')}`, { cause: error });
    });
    expect(await exists(orphan)).toBe(true);
  });

  it('deletes an old orphan raw object, keeps a fresh one and one that has a row', async () => {
    const raw = randomBytes(256);
    const orphan = await putRaw(randomUUID(), raw, HOUR_MS);
    const fresh = await putRaw(randomUUID(), raw, 1_000);
    const reviewedId = randomUUID();
    const reviewed = await putRaw(reviewedId, raw, HOUR_MS);
    // Burned-in review keeps its raw object on purpose.
    await db.prisma.instance.create({ data: { id: reviewedId, orgId, projectId, status: 'REJECTED', errorCode: 'BURNED_IN_REVIEW', quarantineKey: reviewed, inputSha256: 'b'.repeat(64) } });
    // A key intake never writes is not the reconciler's to judge.
    const foreign = `quarantine/${orgId}/notes.txt`;
    await store.put(foreign, raw);
    await utimes(join(root, ...foreign.split('/')), new Date(Date.now() - HOUR_MS), new Date(Date.now() - HOUR_MS));

    const result = await reconcileIngest({ repo: createReconcileRepository(db.prisma), store, jobs }, { graceMs: GRACE_MS, batchSize: 10 });
    // The background loop may have deleted it first; either way it is gone exactly once.
    expect(result.orphansDeleted).toBeLessThanOrEqual(1);
    expect(await exists(orphan)).toBe(false);
    expect(await exists(fresh)).toBe(true);
    expect(await exists(reviewed)).toBe(true);
    expect(await exists(foreign)).toBe(true);
  });

  it('deletes at most batchSize orphans per pass', async () => {
    const keys = await Promise.all(Array.from({ length: 5 }, () => putRaw(randomUUID(), randomBytes(16), HOUR_MS)));
    const now = () => new Date(Date.now() + 2 * HOUR_MS);
    const first = await reconcileIngest({ repo: createReconcileRepository(db.prisma), store, jobs, now }, { graceMs: GRACE_MS, batchSize: 2 });
    expect(first.orphansDeleted).toBeLessThanOrEqual(2);
    await until(async () => (await Promise.all(keys.map(exists))).every((e) => !e));
  });

  it('scans in-flight rows through the partial index, never the READY bulk', async () => {
    // The shape of a live table: many READY rows, a few in flight (fresh, so no pass touches them).
    await db.prisma.$executeRaw`
      INSERT INTO "Instance" ("id", "orgId", "projectId", "status", "inputSha256", "updatedAt")
      SELECT gen_random_uuid(), ${orgId}::uuid, ${projectId}::uuid, 'READY', md5(g::text), now() - g * interval '1 second'
      FROM generate_series(1, 20000) AS g`;
    await db.prisma.$executeRaw`
      INSERT INTO "Instance" ("id", "orgId", "projectId", "status", "inputSha256", "updatedAt")
      SELECT gen_random_uuid(), ${orgId}::uuid, ${projectId}::uuid, 'RECEIVED', md5(g::text), now()
      FROM generate_series(1, 20) AS g`;
    await db.prisma.$executeRaw`ANALYZE "Instance"`;
    // The very statement the repository runs (stuckInstanceIds), explained.
    const rows = await db.prisma.$queryRaw<{ 'QUERY PLAN': unknown }[]>(Prisma.sql`EXPLAIN (FORMAT JSON) ${stuckInstancesSql(new Date(Date.now() - GRACE_MS), 500)}`);
    const plan = JSON.stringify(rows[0]!['QUERY PLAN']);
    expect(plan).toContain('"Index Name":"Instance_inflight_updatedAt_idx"');
    expect(plan).not.toContain('Seq Scan');
    expect(plan).not.toContain('"Node Type":"Sort"');
  });
});
