// The orchestrator is SIGKILLed mid-run and started again. (1) With its trainer killed too (the
// whole machine died): the next orchestrator takes the lapsed lease, finds the attempt gone
// without an exit record (a node failure), and attempt 2 resumes from the last *uploaded*
// checkpoint. (2) With the trainer alive: the next orchestrator re-attaches to it through
// pid@starttime and the same attempt finishes. Both end with weights identical to a run that
// was never interrupted (the trainer's batch at each step depends only on seed and step).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useTestDatabase } from '@medgrade/db/testing';
import { FinetuneJobs, FinetuneRepository } from '@medgrade/training';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxWeightDiff, seedOrg, tempStore, waitFor, type Org } from './harness.ts';

// Enough steps that the trainer is still far from done when the test stops it after its second
// uploaded checkpoint (a step takes tens of milliseconds here).
const HYPER = { steps: 60, batchSize: 4, warmup: 1, logEvery: 1, checkpointEvery: 4, lr: 0.001 };

// Generous waits: each step spawns a torch process, and vitest runs other trainer-heavy files beside
// this one; on a loaded 2-core CI machine a checkpoint at step 8 took over 90 s. The assertions are
// on what happened, never on how long it took.
const LOADED_MACHINE_WAIT_MS = 300_000;

describe('orchestrator SIGKILL and restart', () => {
  const db = useTestDatabase();
  let store: Awaited<ReturnType<typeof tempStore>>;
  let work: string;
  let org: Org;
  let jobs: FinetuneJobs;
  let child: ChildProcess | undefined;

  function startOrchestrator(): Promise<ChildProcess> {
    const env = {
      ...process.env, DATABASE_URL: db().url, STORAGE_DRIVER: 'fs', STORAGE_FS_ROOT: store.root, TRAINING_WORK_DIR: work, TRAINING_POLL_MS: '200',
      TRAINING_LEASE_MS: '2000', TRAINING_MIN_RUN_SECONDS: '0', TRAINING_RETRY_BACKOFF_MS: '100', LOG_LEVEL: 'silent',
    };
    // Plain node (its type stripping), not the tsx wrapper: SIGKILL must reach the orchestrator
    // itself, and tsx runs it as a child that outlives a killed wrapper.
    const proc = spawn(process.execPath, [join(import.meta.dirname, 'orchestrator.process.ts')], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    return new Promise((resolve, reject) => {
      proc.once('error', reject);
      proc.stdout!.once('data', () => resolve(proc));
    });
  }

  async function kill(proc: ChildProcess): Promise<void> {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGKILL');
    await exited;
  }

  /** The steps of the checkpoints in the store (what a new attempt can resume from). */
  async function uploadedCheckpoints(jobId: string): Promise<number[]> {
    const names = await readdir(join(store.root, 'finetune', org.orgId, jobId, 'checkpoints')).catch(() => []);
    return names.map((name) => /^step-(\d+)\.pt$/.exec(name)).filter((m) => m !== null).map((m) => Number(m[1]));
  }

  /** A run of the same job that nothing interrupted, created once (both tests compare against it). */
  let reference: Promise<string> | undefined;
  const referenceWeights = () => (reference ??= (async () => {
    const job = await create();
    expect((await finished(job.id)).status).toBe('succeeded');
    return weights(job.id);
  })());

  const create = () => jobs.create({ keyId: org.keyId, orgId: org.orgId, projectId: null }, { baseModel: 'medgrade-cxr-tiny@1', datasetSnapshotId: org.snapshotId, method: 'full', hyperparameters: HYPER, priority: 'standard', seed: 7, gpus: 1 });
  const row = (id: string) => db().prisma.finetuneJob.findUniqueOrThrow({ where: { id } });
  const finished = (id: string) => waitFor(`job ${id} to finish`, async () => {
    const job = await row(id);
    return ['succeeded', 'failed', 'cancelled'].includes(job.status) && job;
  }, LOADED_MACHINE_WAIT_MS);
  const weights = (id: string) => join(store.root, 'finetune', org.orgId, id, 'model.pt');
  const steps = async (id: string) => (await db().prisma.finetuneEvent.findMany({ where: { jobId: id, type: 'step' }, orderBy: { seq: 'asc' } })).map((e) => (e.data as { step: number }).step);

  beforeAll(async () => {
    store = await tempStore();
    work = await mkdtemp(join(tmpdir(), 'orch-kill-'));
    org = await seedOrg(db().prisma, store.store, 'sigkill');
    jobs = new FinetuneJobs(new FinetuneRepository(db().prisma));
  }, 60_000);

  afterAll(async () => {
    if (child && child.exitCode === null) await kill(child);
    await store?.cleanup();
    await rm(work, { recursive: true, force: true });
  });

  it('resumes from the last uploaded checkpoint after the orchestrator and its trainer are killed, with identical weights', async () => {
    const killed = await create();
    child = await startOrchestrator();
    const attempt = await waitFor('the first attempt to start', () => db().prisma.finetuneAttempt.findFirst({ where: { jobId: killed.id, n: 1, externalId: { not: null } } }).then((a) => a ?? undefined), LOADED_MACHINE_WAIT_MS);
    const trainerGroup = -Number(attempt.externalId!.split('@')[0]);
    // Watch the store, not the job row: the row follows the trainer's event chunks, and a fast
    // trainer could finish between two polls. Freezing the trainer first makes the kill land
    // mid-training whatever the machine's load.
    await waitFor('an uploaded checkpoint past step 8', async () => Math.max(0, ...(await uploadedCheckpoints(killed.id))) >= 8, LOADED_MACHINE_WAIT_MS);
    process.kill(trainerGroup, 'SIGSTOP');
    await kill(child);
    process.kill(trainerGroup, 'SIGKILL'); // the trainer dies with its machine
    const resumable = Math.max(...(await uploadedCheckpoints(killed.id)));
    expect(resumable).toBeLessThan(HYPER.steps);

    child = await startOrchestrator();
    const done = await finished(killed.id);
    expect(done.status).toBe('succeeded');
    expect(done.attemptCount).toBe(2);

    const events = await db().prisma.finetuneEvent.findMany({ where: { jobId: killed.id }, orderBy: { seq: 'asc' } });
    const ended = events.find((e) => e.type === 'attempt.ended' && e.attempt === 1)!.data as { cause: string };
    expect(ended.cause).toBe('node');
    const resume = events.find((e) => e.type === 'resume' && e.attempt === 2)!.data as { step: number };
    expect(resume.step).toBe(resumable);
    const attempt2 = (await steps(killed.id)).slice(-(HYPER.steps - resume.step));
    expect(attempt2).toEqual(Array.from({ length: HYPER.steps - resume.step }, (_, i) => resume.step + i + 1));
    expect(maxWeightDiff(weights(killed.id), await referenceWeights())).toBe(0);
  }, 3 * LOADED_MACHINE_WAIT_MS);

  it('re-attaches to a trainer that outlived its orchestrator: one attempt, every step once, identical weights', async () => {
    const job = await create();
    if (!child || child.exitCode !== null || child.signalCode !== null) child = await startOrchestrator();
    await waitFor('training past step 4', async () => ((await row(job.id)).lastStep ?? 0) >= 4, LOADED_MACHINE_WAIT_MS);
    await kill(child);
    child = await startOrchestrator();
    const done = await finished(job.id);
    expect(done.status).toBe('succeeded');
    expect(done.attemptCount).toBe(1);
    expect(await steps(job.id)).toEqual(Array.from({ length: HYPER.steps }, (_, i) => i + 1));
    expect(maxWeightDiff(weights(job.id), await referenceWeights())).toBe(0);
    await kill(child); // before the test database is dropped
  }, 3 * LOADED_MACHINE_WAIT_MS);
});
