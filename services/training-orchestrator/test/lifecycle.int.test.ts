// A fine-tuning job end to end through the orchestrator with the real trainer on the committed
// reference model: validating → queued → running → evaluating → succeeded, every step and
// checkpoint in its event stream, and the trained weights handed to the evaluator. Also the
// numbers bench/finetune reads: queued → running latency on an idle pool, from the events.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useTestDatabase } from '@medgrade/db/testing';
import { FinetuneJobs, FinetuneRepository, type Orchestrator } from '@medgrade/training';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOrchestrator } from '../src/orchestrator.app.ts';
import { RecordingEvaluator, TINY, seedOrg, tempStore, trainingSettings, waitFor, type Org } from './harness.ts';

describe('fine-tuning job lifecycle', () => {
  const db = useTestDatabase();
  let store: Awaited<ReturnType<typeof tempStore>>;
  let work: string;
  let org: Org;
  let evaluator: RecordingEvaluator;
  let orchestrator: Orchestrator;
  let jobs: FinetuneJobs;

  beforeAll(async () => {
    const { prisma } = db();
    store = await tempStore();
    work = await mkdtemp(join(tmpdir(), 'orch-work-'));
    org = await seedOrg(prisma, store.store, 'lifecycle');
    evaluator = new RecordingEvaluator(prisma, store.store);
    orchestrator = await buildOrchestrator({ prisma, store: store.store, storage: { driver: 'fs', fsRoot: store.root }, training: trainingSettings(work), evaluator });
    jobs = new FinetuneJobs(new FinetuneRepository(prisma));
    orchestrator.start();
  }, 60_000);

  afterAll(async () => {
    await orchestrator?.stop();
    await store?.cleanup();
    await rm(work, { recursive: true, force: true });
  });

  it('validates, trains, evaluates and succeeds, with every transition, step and checkpoint in its events', async () => {
    const { prisma } = db();
    const caller = { keyId: org.keyId, orgId: org.orgId, projectId: null };
    const job = await jobs.create(caller, { baseModel: 'medgrade-cxr-tiny', datasetSnapshotId: org.snapshotId, method: 'lora', hyperparameters: TINY, priority: 'standard', seed: 3, gpus: 1 });
    const done = await waitFor('job to finish', async () => {
      const row = await prisma.finetuneJob.findUniqueOrThrow({ where: { id: job.id } });
      return ['succeeded', 'failed', 'cancelled'].includes(row.status) && row;
    }, 100_000);
    expect(done.errorMessage).toBeNull();
    expect(done.status).toBe('succeeded');
    const events = await prisma.finetuneEvent.findMany({ where: { jobId: job.id }, orderBy: { seq: 'asc' } });
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const states = events.filter((e) => e.type === 'state').map((e) => (e.data as { to: string }).to);
    expect(states).toEqual(['validating', 'queued', 'running', 'evaluating', 'succeeded']);
    expect(events.filter((e) => e.type === 'step').map((e) => (e.data as { step: number }).step)).toEqual(Array.from({ length: TINY.steps }, (_, i) => i + 1));
    expect(events.filter((e) => e.type === 'checkpoint').map((e) => (e.data as { step: number }).step)).toEqual([4, 8, 12, 16, 20, 24]);
    const validated = events.find((e) => e.type === 'validated')?.data as { counts: { train: number } };
    expect(validated.counts.train).toBeGreaterThan(0);

    expect(evaluator.inputs).toHaveLength(1);
    expect(evaluator.inputs[0]).toMatchObject({ jobId: job.id, weightsKey: `finetune/${org.orgId}/${job.id}/model.pt`, baseModelVersionId: org.baseVersionId, method: 'lora', seed: 3, outputPrefix: `finetune/${org.orgId}/${job.id}/evaluation/` });
    expect(done.modelVersionId).not.toBeNull();
    const attempt = await prisma.finetuneAttempt.findFirstOrThrow({ where: { jobId: job.id } });
    expect(attempt).toMatchObject({ n: 1, exitCode: 0, cause: null });
    expect((await store.store.head(`finetune/${org.orgId}/${job.id}/checkpoints/step-0000024.pt`)).size).toBeGreaterThan(0);

    const at = (to: string) => events.find((e) => e.type === 'state' && (e.data as { to: string }).to === to)!.createdAt.getTime();
    process.stderr.write(`finetune lifecycle: queued→running ${at('running') - at('queued')} ms on an idle pool; created→succeeded ${at('succeeded') - at('validating')} ms\n`);
  }, 120_000);
});
