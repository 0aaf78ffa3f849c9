// Fine-tuning jobs submitted through the gateway's POST /v1/finetune-jobs and run by the orchestrator on Slurm node pools of the real single-node cluster
// (scripts/slurm-dev.sh; the test fails naming `pnpm slurm:dev` when it cannot start it): a job on
// the preemptible `low` partition holding both fake GPUs is preempted by Slurm when a job lands on
// the `high` partition, resumes from its checkpoint in a second Slurm job, and both finish through
// the real evaluation gate with validated versions.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog } from '@medgrade/audit';
import { loadConfig } from '@medgrade/config';
import { REPO_ROOT } from '@medgrade/db';
import { CandidateVersions } from '@medgrade/registry';
import {
  GateEvaluator, TrainerProcess, createSlurmCli, parseNodePoolFile, parseScontrolJob, poolExecutors, type Orchestrator,
} from '@medgrade/training';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { holdSlurmCluster, operator, trainerPid } from '../../../packages/training/src/slurm/slurm.harness.ts';
import { createTestGateway, type TestGateway } from '../../gateway/test/gateway.harness.ts';
import { buildOrchestrator } from '../src/orchestrator.app.ts';
import { LOOSE_GATE as LOOSE, TINY, seedOrg, tempStore, trainingSettings, waitFor, type Org } from './harness.ts';

describe('fine-tuning on Slurm node pools', () => {
  let gw: TestGateway;
  let auth: string;
  let store: Awaited<ReturnType<typeof tempStore>>;
  let work: string;
  let org: Org;
  let orchestrator: Orchestrator;
  let release: (() => void) | undefined;

  beforeAll(async () => {
    release = await holdSlurmCluster();
    store = await tempStore();
    gw = await createTestGateway({}, { store: store.store });
    const { prisma } = gw.db;
    work = await mkdtemp(join(tmpdir(), 'orch-slurm-'));
    await mkdir(join(work, 'slurm-logs'));
    org = await seedOrg(prisma, store.store, 'slurm');
    auth = (await gw.key('slurm', ['finetune:write'])).auth;
    const slurm = (partition: string) => ({ partition, gresType: 'fake', logDir: join(work, 'slurm-logs') });
    const nodePools = parseNodePoolFile(
      JSON.stringify({
        nodePools: [
          { name: 'slurm-low', executor: 'slurm', gpuType: 'fake', gpusPerNode: 2, capacityGpus: 2, spot: true, slurm: slurm('low') },
          { name: 'slurm-high', executor: 'slurm', gpuType: 'fake', gpusPerNode: 2, capacityGpus: 2, slurm: slurm('high') },
        ],
      }),
      'test pools',
    );
    const trainer = new TrainerProcess({ python: '/usr/bin/python3', trainerDir: join(REPO_ROOT, 'services/trainer') });
    const evaluator = new GateEvaluator({ store: store.store, registry: new CandidateVersions(prisma, store.store, new AuditLog(prisma, { anchorKey: loadConfig().secrets.auditAnchorKeyBytes })), trainer, workRoot: work, resamples: 100 });
    const executors = poolExecutors({ slurmCli: () => createSlurmCli(), kubeApi: () => { throw new Error('no Kubernetes here'); } });
    orchestrator = await buildOrchestrator({ prisma, store: store.store, storage: { driver: 'fs', fsRoot: store.root }, training: trainingSettings(work), evaluator, nodePools, executors });
    orchestrator.start();
  }, 900_000);

  afterAll(async () => {
    await orchestrator?.stop();
    await gw?.close();
    release?.();
    await store?.cleanup();
    await rm(work, { recursive: true, force: true });
  });

  const finished = (id: string) =>
    waitFor(`job ${id} to finish`, async () => {
      const row = await gw.db.prisma.finetuneJob.findUniqueOrThrow({ where: { id } });
      return ['succeeded', 'failed', 'cancelled'].includes(row.status) && row;
    }, 420_000);

  const submit = async (payload: object) => {
    const common = { baseModel: 'medgrade-cxr-tiny', datasetSnapshotId: org.snapshotId, method: 'lora', seed: 3, gate: LOOSE };
    const res = await gw.app.inject({ method: 'POST', url: '/v1/finetune-jobs', headers: { authorization: auth }, payload: { ...common, ...payload } });
    expect(res.statusCode, res.body).toBe(202);
    return res.json<{ id: string }>();
  };

  it('a high-partition job preempts a low one, which resumes from its checkpoint on Slurm and finishes; both validated', async () => {
    const { prisma } = gw.db;
    const low = await submit({ nodePool: 'slurm-low', gpus: 2, priority: 'standard', hyperparameters: { ...TINY, steps: 240 } });
    const shown = await gw.app.inject({ method: 'GET', url: `/v1/finetune-jobs/${low.id}`, headers: { authorization: auth } });
    expect(shown.json()).toMatchObject({ nodePool: 'slurm-low', gpus: 2 });
    await waitFor('a checkpoint of the low job', async () => (await prisma.finetuneEvent.findFirst({ where: { jobId: low.id, type: 'checkpoint' } })) ?? undefined, 240_000);
    const first = await prisma.finetuneAttempt.findFirstOrThrow({ where: { jobId: low.id, n: 1 } });
    const fields = parseScontrolJob((await createSlurmCli().showJob(first.externalId!)) ?? '');
    expect(fields).toMatchObject({ Partition: 'low', TresPerNode: 'gres:gpu:fake:2' });

    // The low job must still be training when Slurm schedules the high one, however slowly the
    // high job gets through validation and admission on a loaded machine: its trainer is frozen
    // until Slurm has recorded the preemption, then resumed to receive the SIGTERM and checkpoint.
    const slurm = createSlurmCli();
    const lowTrainer = await waitFor('the low trainer process', async () => trainerPid(first.externalId!), 60_000);
    process.kill(lowTrainer, 'SIGSTOP');
    const high = await submit({ nodePool: 'slurm-high', gpus: 1, priority: 'urgent', hyperparameters: { ...TINY, steps: 8 } });
    try {
      await waitFor('Slurm to preempt the low job', async () => {
        const preemptTime = parseScontrolJob((await slurm.showJob(first.externalId!)) ?? '').PreemptTime;
        return preemptTime !== undefined && preemptTime !== 'None';
      }, 240_000);
    } finally {
      process.kill(lowTrainer, 'SIGCONT');
    }
    const [lowDone, highDone] = await Promise.all([finished(low.id), finished(high.id)]);
    expect([lowDone.status, lowDone.errorMessage, highDone.status, highDone.errorMessage]).toEqual(['succeeded', null, 'succeeded', null]);

    const attempts = await prisma.finetuneAttempt.findMany({ where: { jobId: low.id }, orderBy: { n: 'asc' } });
    expect(attempts.map((a) => [a.n, a.cause, a.exitCode])).toEqual([[1, 'preempted', 75], [2, null, 0]]);
    expect(attempts[1].externalId).not.toBe(attempts[0].externalId);
    const events = await prisma.finetuneEvent.findMany({ where: { jobId: low.id }, orderBy: { seq: 'asc' } });
    const states = events.filter((e) => e.type === 'state').map((e) => (e.data as { to: string }).to);
    expect(states).toContain('preempted');
    const lastCheckpoint = Math.max(...events.filter((e) => e.type === 'checkpoint' && e.attempt === 1).map((e) => (e.data as { step: number }).step));
    expect(events.find((e) => e.type === 'resume')?.data).toMatchObject({ step: lastCheckpoint });
    for (const done of [lowDone, highDone]) {
      const version = await prisma.modelVersion.findUniqueOrThrow({ where: { id: done.modelVersionId! } });
      expect(version.status).toBe('VALIDATED');
    }
  }, 600_000);

  it("an operator's scancel ends the job cancelled; a trainer killed on the node is a node failure, retried to success; the events name each cause", async () => {
    const { prisma } = gw.db;
    const slurmJobOf = (id: string) => waitFor(`the Slurm job of ${id}`, async () => (await prisma.finetuneAttempt.findFirst({ where: { jobId: id, n: 1, externalId: { not: null } } }))?.externalId ?? undefined, 240_000);
    const causes = async (id: string) => (await prisma.finetuneEvent.findMany({ where: { jobId: id, type: 'attempt.ended' }, orderBy: { seq: 'asc' } })).map((e) => (e.data as { cause: string | null }).cause);

    const scancelled = await submit({ nodePool: 'slurm-low', gpus: 1, priority: 'standard', hyperparameters: { ...TINY, steps: 2000 } });
    const killed = await submit({ nodePool: 'slurm-low', gpus: 1, priority: 'standard', hyperparameters: { ...TINY, steps: 96 } });
    const [scancelledJob, killedJob] = await Promise.all([slurmJobOf(scancelled.id), slurmJobOf(killed.id)]);
    // Both trainers are watched at once and each fault strikes as soon as its trainer is seen: the
    // 96-step job can finish in the time a loaded machine takes to start the other trainer.
    await Promise.all([
      // The cluster's operator, not the API.
      waitFor('the first trainer on its node', async () => trainerPid(scancelledJob), 240_000).then(() => operator('scancel', [scancelledJob])),
      // The trainer is Slurm job step 0 (srun); kill it as the OOM killer or a crash would.
      waitFor('the second trainer on its node', async () => trainerPid(killedJob), 240_000).then((pid) => process.kill(pid, 'SIGKILL')),
    ]);

    const [cancelledDone, killedDone] = await Promise.all([finished(scancelled.id), finished(killed.id)]);
    expect(cancelledDone.status).toBe('cancelled');
    expect(await causes(scancelled.id)).toEqual(['cancelled']);
    expect([killedDone.status, killedDone.attemptCount, killedDone.errorMessage]).toEqual(['succeeded', 2, null]);
    expect(await causes(killed.id)).toEqual(['node', null]);
    const states = await prisma.finetuneEvent.findMany({ where: { jobId: killed.id, type: 'state' }, orderBy: { seq: 'asc' } });
    expect(states.map((e) => e.data)).toContainEqual(expect.objectContaining({ from: 'running', to: 'queued', reason: 'node failure' }));
  }, 600_000);
});
