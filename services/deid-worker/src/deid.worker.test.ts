// The handler's idempotency at each crash point, with an in-memory repository and engine and a
// filesystem object store in a temp dir. The real Postgres/Redis/S3 path is in the int tests.
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deidKey, FsObjectStore, getBuffer, ObjectNotFoundError } from '@medgrade/storage';
import { UnrecoverableError, type JobContext } from '@medgrade/queue';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deflateBomb } from '@medgrade/dicom/testing';
import { handleInstanceDeidentify, INFLATED_TOO_LARGE, type DeidWorkerDeps } from './deid.worker.ts';
import { DuplicateSopInstanceError, type DeidOutcome, type IngestRepository, type ReadyResult, type WorkInstance } from './ingest.ports.ts';
import { JOB_BYTES_PER_RAW_BYTE, MemoryBudget } from './memory.budget.ts';
import { createWorkerMetrics } from './worker.metrics.ts';

const ctx = (attempt = 1, lastAttempt = false): JobContext => ({ jobId: 'instance-i1', attempt, lastAttempt });
const summary = { studyInstanceUid: '2.25.1', seriesInstanceUid: '2.25.2', sopInstanceUid: '2.25.3' };

class MemoryRepo implements IngestRepository {
  rows = new Map<string, WorkInstance & { errorCode?: string; ready?: ReadyResult }>();
  audits: string[] = [];
  failNextReady = false;
  /** SOP Instance UIDs another live instance holds (the live-SOP index). */
  heldElsewhere = new Set<string>();
  holds: string[] = [];
  duplicateOnReady = false;
  async find(id: string) {
    const r = this.rows.get(id);
    return r ? { ...r } : null;
  }
  /** FAILED rows whose SOP another live instance took since (the claim leaves them). */
  unclaimable = new Set<string>();
  async claim(id: string) {
    const r = this.rows.get(id);
    if (!r || r.status === 'READY' || r.status === 'REJECTED' || this.unclaimable.has(id)) return null;
    r.status = 'DEIDENTIFYING';
    return { ...r };
  }
  async holdSop(id: string, sop: string) {
    this.holds.push(`${id}:${sop}`);
    if (this.heldElsewhere.has(sop)) return false;
    this.rows.get(id)!.sopInstanceUid = sop;
    return true;
  }
  async markReady(inst: WorkInstance, result: ReadyResult) {
    if (this.duplicateOnReady) throw new DuplicateSopInstanceError();
    if (this.failNextReady) {
      this.failNextReady = false;
      throw new Error('database went away');
    }
    Object.assign(this.rows.get(inst.id)!, { status: 'READY', ready: result });
    this.audits.push(`ready:${inst.id}`);
  }
  async markRejected(inst: WorkInstance, code: string) {
    Object.assign(this.rows.get(inst.id)!, { status: 'REJECTED', errorCode: code });
    this.audits.push(`rejected:${inst.id}`);
  }
  async markFailed(id: string, code: string) {
    Object.assign(this.rows.get(id)!, { status: 'FAILED', errorCode: code });
  }
  async endRetry(id: string) {
    const r = this.rows.get(id)!;
    if (r.status === 'FAILED' && r.errorCode === 'DEID_RETRYING') r.errorCode = 'DEID_FAILED';
  }
  async clearQuarantine(id: string) {
    this.rows.get(id)!.quarantineKey = null;
  }
}

describe('handleInstanceDeidentify', () => {
  let root: string;
  let store: FsObjectStore;
  let repo: MemoryRepo;
  let outcome: DeidOutcome;
  let deps: DeidWorkerDeps;
  const finals: string[] = [];

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'medgrade-worker-'));
    store = new FsObjectStore(root);
    repo = new MemoryRepo();
    repo.rows.set('i1', { id: 'i1', orgId: 'o', projectId: 'p', status: 'RECEIVED', quarantineKey: 'quarantine/o/p/i1.dcm' });
    await store.put('quarantine/o/p/i1.dcm', Buffer.from('raw bytes'));
    outcome = { kind: 'ok', output: Buffer.from('deid bytes'), summary, burnedInFlag: false };
    finals.length = 0;
    deps = {
      store,
      repo,
      engine: { run: async () => outcome },
      project: async () => ({ options: {} as never, burnedInPolicy: 'reject', secret: Buffer.alloc(32) }),
      onFinal: (s) => finals.push(s),
    };
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  const key = deidKey('o', 'p', '2.25.1', '2.25.2', '2.25.3');

  it('writes the output, marks READY with its hash, deletes the raw object', async () => {
    await handleInstanceDeidentify(deps)({ requestId: 'r1', instanceId: 'i1' }, ctx());
    const row = repo.rows.get('i1')!;
    expect(row.status).toBe('READY');
    expect(row.ready).toMatchObject({ objectKey: key, byteSize: 10, sha256: createHash('sha256').update('deid bytes').digest('hex') });
    expect((await getBuffer(store, key)).toString()).toBe('deid bytes');
    await expect(store.head('quarantine/o/p/i1.dcm')).rejects.toBeInstanceOf(ObjectNotFoundError);
    expect(row.quarantineKey).toBeNull();
    expect(finals).toEqual(['READY']);
  });

  it('a retry after a crash before READY ends in the same state, audited once', async () => {
    repo.failNextReady = true;
    const handle = handleInstanceDeidentify(deps);
    await expect(handle({ requestId: 'r1', instanceId: 'i1' }, ctx(1))).rejects.toThrow('database went away');
    expect(repo.rows.get('i1')!.status).toBe('DEIDENTIFYING');
    await handle({ requestId: 'r1', instanceId: 'i1' }, ctx(2));
    expect(repo.rows.get('i1')!.status).toBe('READY');
    expect(repo.audits).toEqual(['ready:i1']);
    const keys: string[] = [];
    for await (const o of store.list('')) keys.push(o.key);
    expect(keys).toEqual([key]);
  });

  it('a retry after a crash between READY and the raw delete only finishes the delete', async () => {
    const realDelete = store.delete.bind(store);
    store.delete = async () => {
      throw new Error('killed');
    };
    const handle = handleInstanceDeidentify(deps);
    await expect(handle({ requestId: 'r1', instanceId: 'i1' }, ctx(1))).rejects.toThrow('killed');
    store.delete = realDelete;
    deps.engine = { run: async () => { throw new Error('engine must not run again'); } };
    await handle({ requestId: 'r1', instanceId: 'i1' }, ctx(2));
    await expect(store.head('quarantine/o/p/i1.dcm')).rejects.toBeInstanceOf(ObjectNotFoundError);
    expect(repo.audits).toEqual(['ready:i1']);
  });

  it('rejects bad input with its code, without retry, deleting the raw object', async () => {
    outcome = { kind: 'rejected', code: 'NOT_DICOM', keepRaw: false };
    await expect(handleInstanceDeidentify(deps)({ requestId: 'r1', instanceId: 'i1' }, ctx())).rejects.toBeInstanceOf(UnrecoverableError);
    expect(repo.rows.get('i1')).toMatchObject({ status: 'REJECTED', errorCode: 'NOT_DICOM', quarantineKey: null });
    expect(finals).toEqual(['REJECTED']);
  });

  it('keeps the raw object of an instance held for burned-in review', async () => {
    outcome = { kind: 'rejected', code: 'BURNED_IN_REVIEW', keepRaw: true };
    await expect(handleInstanceDeidentify(deps)({ requestId: 'r1', instanceId: 'i1' }, ctx())).rejects.toBeInstanceOf(UnrecoverableError);
    expect((await store.head('quarantine/o/p/i1.dcm')).size).toBe(9);
  });

  it('ends a queued retry it cannot claim (its SOP was taken since): FAILED DEID_FAILED again, so the sweep can count it out', async () => {
    Object.assign(repo.rows.get('i1')!, { status: 'FAILED', errorCode: 'DEID_RETRYING' });
    repo.unclaimable.add('i1');
    deps.engine = { run: async () => { throw new Error('engine must not run'); } };
    await handleInstanceDeidentify(deps)({ requestId: 'r1', instanceId: 'i1' }, ctx());
    expect(repo.rows.get('i1')).toMatchObject({ status: 'FAILED', errorCode: 'DEID_FAILED', quarantineKey: 'quarantine/o/p/i1.dcm' });
  });

  it('counts an approved burned-in instance once in medgrade_instances_final_total (READY), its hold apart', async () => {
    const metrics = createWorkerMetrics(async () => []);
    const counted = { ...deps, onFinal: metrics.onFinal, onReviewHeld: metrics.onReviewHeld };
    outcome = { kind: 'rejected', code: 'BURNED_IN_REVIEW', keepRaw: true };
    await expect(handleInstanceDeidentify(counted)({ requestId: 'r1', instanceId: 'i1' }, ctx())).rejects.toBeInstanceOf(UnrecoverableError);
    // The reviewer approves: the row is RECEIVED again with the reviewer's key, and runs again.
    Object.assign(repo.rows.get('i1')!, { status: 'RECEIVED', errorCode: undefined, burnedInApprovedBy: 'reviewer-key' });
    outcome = { kind: 'ok', output: Buffer.from('deid bytes'), summary, burnedInFlag: true };
    await handleInstanceDeidentify(counted)({ requestId: 'r2', instanceId: 'i1' }, ctx());
    expect(repo.rows.get('i1')!.status).toBe('READY');
    const finals = (await metrics.registry.getSingleMetric('medgrade_instances_final_total')!.get()).values.map((v) => [v.labels.status, v.value]);
    expect(finals).toEqual([['READY', 1]]);
    expect((await metrics.registry.getSingleMetric('medgrade_instances_review_held_total')!.get()).values.map((v) => v.value)).toEqual([1]);
  });

  it('marks FAILED only on the last attempt of a transient fault', async () => {
    deps.engine = { run: async () => { throw new Error('out of memory'); } };
    const handle = handleInstanceDeidentify(deps);
    await expect(handle({ requestId: 'r1', instanceId: 'i1' }, ctx(1, false))).rejects.toThrow();
    expect(repo.rows.get('i1')!.status).toBe('DEIDENTIFYING');
    await expect(handle({ requestId: 'r1', instanceId: 'i1' }, ctx(3, true))).rejects.toThrow();
    expect(repo.rows.get('i1')).toMatchObject({ status: 'FAILED', errorCode: 'DEID_FAILED' });
    expect(finals).toEqual(['FAILED']);
  });

  it('fails a row whose raw object vanished with RAW_OBJECT_MISSING, unrecoverably', async () => {
    await store.delete('quarantine/o/p/i1.dcm');
    await expect(handleInstanceDeidentify(deps)({ requestId: 'r1', instanceId: 'i1' }, ctx())).rejects.toBeInstanceOf(UnrecoverableError);
    expect(repo.rows.get('i1')).toMatchObject({ status: 'FAILED', errorCode: 'RAW_OBJECT_MISSING' });
  });

  it('takes the SOP Instance UID before writing when the row does not hold it yet (a row from before intake stored it)', async () => {
    await handleInstanceDeidentify(deps)({ requestId: 'r1', instanceId: 'i1' }, ctx());
    expect(repo.holds).toEqual(['i1:2.25.3']);
    expect(repo.rows.get('i1')!.status).toBe('READY');
  });

  it('writes without an extra statement when intake stored the same SOP Instance UID on the row', async () => {
    repo.rows.get('i1')!.sopInstanceUid = '2.25.3';
    await handleInstanceDeidentify(deps)({ requestId: 'r1', instanceId: 'i1' }, ctx());
    expect(repo.holds).toEqual([]);
    expect(repo.rows.get('i1')!.status).toBe('READY');
  });

  it('a second live instance of the same SOP ends REJECTED without writing over the first one\'s object', async () => {
    await store.put(key, Buffer.from('first instance output'));
    repo.heldElsewhere.add('2.25.3');
    await expect(handleInstanceDeidentify(deps)({ requestId: 'r1', instanceId: 'i1' }, ctx())).rejects.toBeInstanceOf(UnrecoverableError);
    expect(repo.rows.get('i1')).toMatchObject({ status: 'REJECTED', errorCode: 'DUPLICATE_SOP_INSTANCE', quarantineKey: null });
    expect((await getBuffer(store, key)).toString()).toBe('first instance output');
    await expect(store.head('quarantine/o/p/i1.dcm')).rejects.toBeInstanceOf(ObjectNotFoundError);
    expect(repo.audits).toEqual(['rejected:i1']);
    expect(finals).toEqual(['REJECTED']);
  });

  it('a READY commit refused by the live-SOP index ends REJECTED DUPLICATE_SOP_INSTANCE, not retried', async () => {
    repo.duplicateOnReady = true;
    await expect(handleInstanceDeidentify(deps)({ requestId: 'r1', instanceId: 'i1' }, ctx())).rejects.toBeInstanceOf(UnrecoverableError);
    expect(repo.rows.get('i1')).toMatchObject({ status: 'REJECTED', errorCode: 'DUPLICATE_SOP_INSTANCE', quarantineKey: null });
  });

  it('does nothing for an unknown instance or one already rejected', async () => {
    await handleInstanceDeidentify(deps)({ requestId: 'r1', instanceId: 'nope' }, ctx());
    repo.rows.get('i1')!.status = 'REJECTED';
    await handleInstanceDeidentify(deps)({ requestId: 'r1', instanceId: 'i1' }, ctx());
    expect((await store.head('quarantine/o/p/i1.dcm')).size).toBe(9);
    expect(repo.audits).toEqual([]);
  });

  describe('with a memory budget', () => {
    /** A budget that records each reservation and what was held while the engine ran. */
    function recordingBudget(capacity: number) {
      const budget = new MemoryBudget(capacity);
      const reserved: number[] = [];
      const reserve = budget.reserve.bind(budget);
      budget.reserve = (bytes: number) => {
        reserved.push(bytes);
        return reserve(bytes);
      };
      return { budget, reserved };
    }

    it('reserves for the size the gateway sent, holds it while working, releases it after', async () => {
      const { budget, reserved } = recordingBudget(1 << 20);
      let heldWhileRunning = -1;
      deps.engine = { run: async () => ((heldWhileRunning = budget.inUse), outcome) };
      await handleInstanceDeidentify({ ...deps, memory: budget })({ requestId: 'r1', instanceId: 'i1', rawBytes: 1000 }, ctx());
      expect(reserved).toEqual([JOB_BYTES_PER_RAW_BYTE * 1000]);
      expect(heldWhileRunning).toBe(JOB_BYTES_PER_RAW_BYTE * 1000);
      expect(budget.inUse).toBe(0);
      expect(repo.rows.get('i1')!.status).toBe('READY');
    });

    it('asks the object store for the size when the job has none (reconciler re-enqueue)', async () => {
      const { budget, reserved } = recordingBudget(1 << 20);
      await handleInstanceDeidentify({ ...deps, memory: budget })({ requestId: 'r1', instanceId: 'i1' }, ctx());
      expect(reserved).toEqual([JOB_BYTES_PER_RAW_BYTE * 'raw bytes'.length]);
    });

    it('releases the reservation when the job fails', async () => {
      const { budget } = recordingBudget(1 << 20);
      deps.engine = { run: async () => { throw new Error('out of memory'); } };
      await expect(handleInstanceDeidentify({ ...deps, memory: budget })({ requestId: 'r1', instanceId: 'i1', rawBytes: 9 }, ctx())).rejects.toThrow('out of memory');
      expect(budget.inUse).toBe(0);
    });

    it('charges a deflated instance for what it inflates to before the engine parses it', async () => {
      const raw = deflateBomb({ study: '1.2.3', series: '1.2.3.4', sop: '1.2.3.4.5' }, 4 << 20);
      await store.put('quarantine/o/p/i1.dcm', raw);
      const { budget, reserved } = recordingBudget(64 << 20);
      let heldWhileRunning = -1;
      deps.engine = { run: async () => ((heldWhileRunning = budget.inUse), outcome) };
      await handleInstanceDeidentify({ ...deps, memory: budget, maxInflatedBytes: 8 << 20 })({ requestId: 'r1', instanceId: 'i1', rawBytes: raw.length }, ctx());
      expect(reserved).toHaveLength(2);
      expect(reserved[0]).toBe(JOB_BYTES_PER_RAW_BYTE * raw.length);
      // The raw bytes plus a data set just over 4 MiB (the payload and a few header elements).
      expect(reserved[1]! / JOB_BYTES_PER_RAW_BYTE - raw.length).toBeGreaterThan(4 << 20);
      expect(reserved[1]! / JOB_BYTES_PER_RAW_BYTE - raw.length).toBeLessThan((4 << 20) + 1024);
      expect(heldWhileRunning).toBe(reserved[1]);
      expect(budget.inUse).toBe(0);
      expect(repo.rows.get('i1')!.status).toBe('READY');
    });

    it('rejects a deflated instance past the inflate limit without parsing it (one that reached the queue without the gateway\'s check)', async () => {
      await store.put('quarantine/o/p/i1.dcm', deflateBomb({ study: '1.2.3', series: '1.2.3.4', sop: '1.2.3.4.5' }, 64 << 20));
      let ran = false;
      deps.engine = { run: async () => ((ran = true), outcome) };
      const { budget } = recordingBudget(1 << 20);
      await expect(handleInstanceDeidentify({ ...deps, memory: budget, maxInflatedBytes: 1 << 20 })({ requestId: 'r1', instanceId: 'i1' }, ctx())).rejects.toBeInstanceOf(UnrecoverableError);
      expect(ran).toBe(false);
      expect(repo.rows.get('i1')).toMatchObject({ status: 'REJECTED', errorCode: INFLATED_TOO_LARGE });
      await expect(store.head('quarantine/o/p/i1.dcm')).rejects.toBeInstanceOf(ObjectNotFoundError);
      expect(budget.inUse).toBe(0);
    });

    it('waits while other jobs hold the budget', async () => {
      const budget = new MemoryBudget(100);
      const held = await budget.reserve(100);
      const job = handleInstanceDeidentify({ ...deps, memory: budget })({ requestId: 'r1', instanceId: 'i1', rawBytes: 9 }, ctx());
      await new Promise((r) => setTimeout(r, 20));
      expect(repo.rows.get('i1')!.status).toBe('DEIDENTIFYING');
      held();
      await job;
      expect(repo.rows.get('i1')!.status).toBe('READY');
    });
  });
});
