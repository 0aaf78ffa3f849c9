// A fine-tuning job end to end through the orchestrator with the real trainer on the committed
// reference model: validating → queued → running → evaluating → succeeded, every step and
// checkpoint in its event stream, and the trained weights handed to the evaluator. Also the
// numbers bench/finetune reads: queued → running latency on an idle pool, from the events. The
// evaluation is the real gate (GateEvaluator) with thresholds loosened so a 24-step LoRA passes.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '@medgrade/db';
import { useTestDatabase } from '@medgrade/db/testing';
import { AuditLog } from '@medgrade/audit';
import { loadConfig } from '@medgrade/config';
import { CandidateVersions } from '@medgrade/registry';
import { FinetuneJobs, FinetuneRepository, GateEvaluator, TrainerProcess, type Orchestrator } from '@medgrade/training';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOrchestrator } from '../src/orchestrator.app.ts';
import { LOOSE_GATE as LOOSE, TINY, seedOrg, tempStore, trainingSettings, waitFor, type Org } from './harness.ts';

describe('fine-tuning job lifecycle', () => {
  const db = useTestDatabase();
  let store: Awaited<ReturnType<typeof tempStore>>;
  let work: string;
  let org: Org;
  let orchestrator: Orchestrator;
  let jobs: FinetuneJobs;

  beforeAll(async () => {
    const { prisma } = db();
    store = await tempStore();
    work = await mkdtemp(join(tmpdir(), 'orch-work-'));
    org = await seedOrg(prisma, store.store, 'lifecycle');
    const trainer = new TrainerProcess({ python: '/usr/bin/python3', trainerDir: join(REPO_ROOT, 'services/trainer') });
    const evaluator = new GateEvaluator({ store: store.store, registry: new CandidateVersions(prisma, store.store, new AuditLog(prisma, { anchorKey: loadConfig().secrets.auditAnchorKeyBytes })), trainer, workRoot: work, resamples: 100 });
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
    const job = await jobs.create(caller, { baseModel: 'medgrade-cxr-tiny', datasetSnapshotId: org.snapshotId, method: 'lora', hyperparameters: TINY, priority: 'standard', seed: 3, gpus: 1, gate: LOOSE });
    const done = await waitFor('job to finish', async () => {
      const row = await prisma.finetuneJob.findUniqueOrThrow({ where: { id: job.id } });
      return ['succeeded', 'failed', 'cancelled'].includes(row.status) && row;
    }, 170_000);
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

    const evaluation = events.find((e) => e.type === 'evaluation')!.data as { status: string; version: string; gate: { passed: boolean } };
    expect(evaluation).toMatchObject({ status: 'VALIDATED', version: `ft-${job.id}`, gate: { passed: true } });
    const version = await prisma.modelVersion.findUniqueOrThrow({ where: { id: done.modelVersionId! } });
    expect(version.status).toBe('VALIDATED');
    expect((version.manifest as { lineage?: { job?: unknown } }).lineage).toBeDefined();
    expect(JSON.stringify(version.manifest)).toContain(job.id);
    const attempt = await prisma.finetuneAttempt.findFirstOrThrow({ where: { jobId: job.id } });
    expect(attempt).toMatchObject({ n: 1, exitCode: 0, cause: null });
    expect((await store.store.head(`finetune/${org.orgId}/${job.id}/checkpoints/step-0000024.pt`)).size).toBeGreaterThan(0);

    const at = (to: string) => events.find((e) => e.type === 'state' && (e.data as { to: string }).to === to)!.createdAt.getTime();
    process.stderr.write(`finetune lifecycle: queued→running ${at('running') - at('queued')} ms on an idle pool; created→succeeded ${at('succeeded') - at('validating')} ms\n`);
  }, 180_000);
});
