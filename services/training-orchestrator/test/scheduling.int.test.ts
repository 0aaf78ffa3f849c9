// Admission with the real trainer on the default local pool: an urgent job on a full pool preempts
// a preemptible one, which checkpoints, waits, resumes from its checkpoint and finishes, every
// transition in its events; and an organization at its concurrent-GPU quota waits with
// pendingReason "quota" while another organization's job runs, then starts when its share frees.
// (Evaluation is the RecordingEvaluator stand-in: lifecycle.int.test.ts runs the real gate.)
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useTestDatabase } from '@medgrade/db/testing';
import { FinetuneJobs, FinetuneRepository, type Orchestrator } from '@medgrade/training';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOrchestrator } from '../src/orchestrator.app.ts';
import { RecordingEvaluator, seedOrg, tempStore, trainingSettings, waitFor, type Org } from './harness.ts';

const HYPER = { batchSize: 4, warmup: 1, logEvery: 1, checkpointEvery: 4, lr: 0.001 };
/** Long enough to still be training once a later job has passed validation (about 7 s of CPU). */
const LONG = 120;

describe('admission: preemption and quota', () => {
  const db = useTestDatabase();
  let store: Awaited<ReturnType<typeof tempStore>>;
  let work: string;
  let a: Org;
  let b: Org;
  let orchestrator: Orchestrator;
  let jobs: FinetuneJobs;

  beforeAll(async () => {
    const { prisma } = db();
    store = await tempStore();
    work = await mkdtemp(join(tmpdir(), 'orch-sched-'));
    a = await seedOrg(prisma, store.store, 'sched-a', 12);
    b = await seedOrg(prisma, store.store, 'sched-b', 12);
    orchestrator = await buildOrchestrator({ prisma, store: store.store, storage: { driver: 'fs', fsRoot: store.root }, training: trainingSettings(work), evaluator: new RecordingEvaluator(prisma, store.store) });
    jobs = new FinetuneJobs(new FinetuneRepository(prisma));
    orchestrator.start();
  }, 60_000);

  afterAll(async () => {
    await orchestrator?.stop();
    await store?.cleanup();
    await rm(work, { recursive: true, force: true });
  });

  const submit = (org: Org, priority: 'urgent' | 'standard' | 'preemptible', steps: number) =>
    jobs.create({ keyId: org.keyId, orgId: org.orgId, projectId: null }, { baseModel: 'medgrade-cxr-tiny', datasetSnapshotId: org.snapshotId, method: 'full', hyperparameters: { ...HYPER, steps }, priority, seed: 5, gpus: 1 });
  const row = (id: string) => db().prisma.finetuneJob.findUniqueOrThrow({ where: { id } });
  const finished = (id: string) => waitFor(`job ${id} to finish`, async () => {
    const job = await row(id);
    return ['succeeded', 'failed', 'cancelled'].includes(job.status) && job;
  }, 150_000);
  const events = (id: string) => db().prisma.finetuneEvent.findMany({ where: { jobId: id }, orderBy: { seq: 'asc' } });

  it('preempts a preemptible job for an urgent one; the victim checkpoints, waits, resumes and finishes', async () => {
    const victim = await submit(a, 'preemptible', LONG);
    await waitFor('the preemptible job to checkpoint', async () => (await row(victim.id)).lastCheckpointStep !== null, 90_000);
    const urgent = await submit(b, 'urgent', 8);
    expect((await finished(urgent.id)).status).toBe('succeeded');
    const done = await finished(victim.id);
    expect(done).toMatchObject({ status: 'succeeded', attemptCount: 2, preemptions: 1 });

    const log = await events(victim.id);
    const states = log.filter((e) => e.type === 'state').map((e) => (e.data as { to: string }).to);
    expect(states).toEqual(['validating', 'queued', 'running', 'preempted', 'running', 'evaluating', 'succeeded']);
    expect(log.find((e) => e.type === 'preemption')).toBeDefined();
    expect((log.find((e) => e.type === 'attempt.ended' && e.attempt === 1)!.data as { cause: string }).cause).toBe('preempted');
    const stoppedAt = (log.find((e) => e.type === 'preempted' && e.attempt === 1)!.data as { step: number }).step;
    const resumed = (log.find((e) => e.type === 'resume' && e.attempt === 2)!.data as { step: number }).step;
    expect(resumed).toBe(stoppedAt); // SIGTERM finished the step and uploaded that very checkpoint
    const steps = (n: number) => log.filter((e) => e.type === 'step' && e.attempt === n).map((e) => (e.data as { step: number }).step);
    expect(steps(1)).toEqual(Array.from({ length: stoppedAt }, (_, i) => i + 1));
    expect(steps(2)).toEqual(Array.from({ length: LONG - stoppedAt }, (_, i) => stoppedAt + i + 1));
    // The urgent job started only after the victim's attempt had ended.
    const urgentRunning = (await events(urgent.id)).find((e) => e.type === 'state' && (e.data as { to: string }).to === 'running')!;
    expect(urgentRunning.createdAt.getTime()).toBeGreaterThanOrEqual(log.find((e) => e.type === 'attempt.ended' && e.attempt === 1)!.createdAt.getTime());
  }, 200_000);

  it('holds an organization at its quota while another organization runs, and starts it when its share frees', async () => {
    const { prisma } = db();
    const pool = await prisma.nodePool.update({ where: { name: 'cpu' }, data: { capacityGpus: 3 } });
    await prisma.finetuneQuota.create({ data: { orgId: b.orgId, nodePoolId: pool.id, maxConcurrentGpus: 1 } });
    const b1 = await submit(b, 'standard', LONG);
    await waitFor('b1 to run', async () => (await row(b1.id)).status === 'running');
    const b2 = await submit(b, 'standard', 6);
    const a1 = await submit(a, 'standard', 6);
    const waiting = await waitFor('b2 to wait for quota', async () => {
      const job = await row(b2.id);
      return job.pendingReason === 'quota' && job;
    });
    expect(waiting).toMatchObject({ status: 'queued', position: 1 });
    expect((await row(b1.id)).status).toBe('running');
    await waitFor('a1 to run beside b1 (capacity is not what b2 waits for)', async () => ['running', 'evaluating', 'succeeded'].includes((await row(a1.id)).status));
    expect((await finished(b1.id)).status).toBe('succeeded');
    expect((await finished(b2.id)).status).toBe('succeeded');
    expect((await finished(a1.id)).status).toBe('succeeded');
    const b2Events = await events(b2.id);
    const b1Done = (await events(b1.id)).find((e) => e.type === 'attempt.ended')!.createdAt.getTime();
    const b2Running = b2Events.find((e) => e.type === 'state' && (e.data as { to: string }).to === 'running')!.createdAt.getTime();
    expect(b2Running).toBeGreaterThanOrEqual(b1Done);
    expect(b2Events.find((e) => e.type === 'pending')?.data).toMatchObject({ reason: 'quota', position: 1 });
  }, 200_000);
});
