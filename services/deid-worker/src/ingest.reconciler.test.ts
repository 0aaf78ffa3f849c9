// Unit tests of one reconciler pass with fakes: selection by age, key shape and row, and bounds.
import { randomUUID } from 'node:crypto';
import type { ObjectInfo, ObjectStore } from '@medgrade/storage';
import { describe, expect, it } from 'vitest';
import { reconcileIngest, type ReconcileRepository, type ReconcilerDeps } from './ingest.reconciler.ts';

const NOW = new Date('2026-01-01T12:00:00Z');
const GRACE_MS = 60_000;
const old = new Date(NOW.getTime() - 2 * GRACE_MS);
const fresh = new Date(NOW.getTime() - GRACE_MS / 2);

function fakes(objects: ObjectInfo[], rows: Set<string>, stuck: string[] = [], runs: { live?: Set<string>; atLimit?: Set<string> } = {}) {
  const deleted: string[] = [];
  const requeued: string[] = [];
  const charged: string[] = [];
  const store = {
    async *list(prefix: string) {
      for (const o of objects) if (o.key.startsWith(prefix)) yield o;
    },
    async delete(key: string) {
      deleted.push(key);
    },
  } as unknown as ObjectStore;
  const repo: ReconcileRepository = {
    async stuckInstanceIds(before, limit) {
      expect(before).toEqual(new Date(NOW.getTime() - GRACE_MS));
      return stuck.slice(0, limit);
    },
    async existingInstanceIds(ids) {
      return new Set(ids.filter((id) => rows.has(id)));
    },
    async chargeCrashes(ids) {
      charged.push(...ids);
      return new Set(ids.filter((id) => runs.atLimit?.has(id)));
    },
  };
  const deps: ReconcilerDeps = {
    repo, store, now: () => NOW,
    jobs: {
      async requeueMany(_name, payloads) { requeued.push(...payloads.map((p) => p.instanceId)); return payloads.length; },
      async areLive(_name, payloads) { return payloads.map((p) => runs.live?.has(p.instanceId) ?? false); },
    },
  };
  return { deps, deleted, requeued, charged };
}

const raw = (id: string, lastModified?: Date): ObjectInfo => ({ key: `quarantine/o/p/${id}.dcm`, size: 1, lastModified });

describe('reconcileIngest', () => {
  it('deletes only old quarantine objects of intake shape that have no row', async () => {
    const [orphan, young, withRow, undated] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const { deps, deleted } = fakes(
      [raw(orphan, old), raw(young, fresh), raw(withRow, old), raw(undated), { key: 'quarantine/o/readme.txt', size: 1, lastModified: old }, { key: `deid/o/p/${randomUUID()}.dcm`, size: 1, lastModified: old }],
      new Set([withRow]),
    );
    expect(await reconcileIngest(deps, { graceMs: GRACE_MS, batchSize: 10 })).toEqual({ requeued: 0, orphansDeleted: 1 });
    expect(deleted).toEqual([raw(orphan).key]);
  });

  it('re-enqueues stuck rows and deletes orphans, at most batchSize each per pass', async () => {
    const orphans = Array.from({ length: 7 }, () => randomUUID());
    const stuck = Array.from({ length: 5 }, () => randomUUID());
    const { deps, deleted, requeued } = fakes(orphans.map((id) => raw(id, old)), new Set(), stuck);
    expect(await reconcileIngest(deps, { graceMs: GRACE_MS, batchSize: 3 })).toEqual({ requeued: 3, orphansDeleted: 3 });
    expect(requeued).toEqual(stuck.slice(0, 3));
    expect(deleted).toHaveLength(3);
  });

  it('with a retry limit, counts only runs whose job is gone, and re-enqueues none that reached it', async () => {
    const [dead, queued, exhausted] = [randomUUID(), randomUUID(), randomUUID()];
    const { deps, requeued, charged } = fakes([], new Set(), [dead, queued, exhausted], { live: new Set([queued]), atLimit: new Set([exhausted]) });
    expect(await reconcileIngest(deps, { graceMs: GRACE_MS, batchSize: 10, retryLimit: 3 })).toEqual({ requeued: 1, orphansDeleted: 0 });
    expect(charged).toEqual([dead, exhausted]);
    expect(requeued).toEqual([dead]);
  });
});
