// A store that refuses writes while a job is `evaluating` (the fault suite's refusing proxy in front
// of s3rver, the real S3 driver, the real gate and trainer): the evaluation's writes (reports,
// gate.json, the registered bundle) meet 503s after the SDK's own 3 attempts. The orchestrator must
// wait the outage out, not count it as failed evaluation tries: before outage.wait.ts, 3 refused
// tries (9 refused writes) failed a trained job with EVALUATION_FAILED.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog } from '@medgrade/audit';
import type { Config } from '@medgrade/config';
import { loadConfig } from '@medgrade/config';
import { REPO_ROOT } from '@medgrade/db';
import { useTestDatabase } from '@medgrade/db/testing';
import { CandidateVersions } from '@medgrade/registry';
import { createObjectStore, type ObjectStore } from '@medgrade/storage';
import { finetuneKeys } from '@medgrade/storage/keys';
import { startRefusingS3, type RefusingS3 } from '@medgrade/storage/testing';
import { FinetuneJobs, FinetuneRepository, GateEvaluator, TrainerProcess, type Orchestrator } from '@medgrade/training';
import { BASE_BUNDLE } from '@medgrade/training/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOrchestrator } from '../src/orchestrator.app.ts';
import { LOOSE_GATE, TINY, seedOrg, trainingSettings, waitFor } from './harness.ts';

/** More refused writes than the old limit allowed (3 tries × the SDK's 3 attempts), so today's code would have failed the job. */
const REFUSALS = 12;

describe('evaluation while the object store refuses writes', () => {
  const db = useTestDatabase();
  let s3: RefusingS3;
  let store: ObjectStore & { close(): void };
  let work: string;
  let orchestrator: Orchestrator;

  beforeAll(async () => {
    s3 = await startRefusingS3();
    const { credentials, ...options } = s3.options;
    const storage: Config['storage'] = { driver: 's3', s3: { ...options, endpoint: options.endpoint!, forcePathStyle: true, accessKeyId: credentials!.accessKeyId, secretAccessKey: credentials!.secretAccessKey } };
    store = createObjectStore(storage);
    work = await mkdtemp(join(tmpdir(), 'orch-outage-'));
    const { prisma } = db();
    const trainer = new TrainerProcess({ python: '/usr/bin/python3', trainerDir: join(REPO_ROOT, 'services/trainer') });
    const registry = new CandidateVersions(prisma, store, new AuditLog(prisma, { anchorKey: loadConfig().secrets.auditAnchorKeyBytes }));
    const evaluator = new GateEvaluator({ store, registry, trainer, workRoot: work, resamples: 50 });
    orchestrator = await buildOrchestrator({ prisma, store, storage, training: trainingSettings(work, { outageWaitSeconds: 300 }), evaluator });
  }, 60_000);

  afterAll(async () => {
    s3?.refuseWrites(false);
    await orchestrator?.stop();
    store?.close();
    await s3?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('waits the outage out and the trained job succeeds with its validated version', async () => {
    const { prisma } = db();
    const org = await seedOrg(prisma, store, 'evaluation-outage', 12);
    const repo = new FinetuneRepository(prisma);
    const caller = { keyId: org.keyId, orgId: org.orgId, projectId: null };
    const job = await new FinetuneJobs(repo).create(caller, { baseModel: 'medgrade-cxr-tiny@1', datasetSnapshotId: org.snapshotId, method: 'full', hyperparameters: TINY, priority: 'standard', seed: 4, gpus: 1, gate: LOOSE_GATE });
    // Training has succeeded: the base model's weights stand in for the trained ones (the gate compares equals and passes).
    await store.put(finetuneKeys(org.orgId, job.id).model, await readFile(join(BASE_BUNDLE, 'pytorch_model.pt')));
    expect(await repo.transition(job.id, ['validating'], 'evaluating')).toBe(true);

    s3.refuseWrites(true);
    const started = Date.now();
    orchestrator.start();
    const finished = (status: string) => ['succeeded', 'failed', 'cancelled'].includes(status);
    await waitFor(`${REFUSALS} refused writes or the job's end`, async () => s3.refused() >= REFUSALS || finished((await prisma.finetuneJob.findUniqueOrThrow({ where: { id: job.id } })).status), 120_000);
    s3.refuseWrites(false);
    const outageMs = Date.now() - started;
    const done = await waitFor('the job to finish', async () => {
      const row = await prisma.finetuneJob.findUniqueOrThrow({ where: { id: job.id } });
      return finished(row.status) && row;
    }, 120_000);
    process.stderr.write(`evaluation outage: ${s3.refused()} writes refused over ${outageMs} ms; succeeded ${Date.now() - started - outageMs} ms after the store took writes again\n`);

    expect([done.status, done.errorCode, done.errorMessage]).toEqual(['succeeded', null, null]);
    const version = await prisma.modelVersion.findUniqueOrThrow({ where: { id: done.modelVersionId! } });
    expect([version.version, version.status]).toEqual([`ft-${job.id}`, 'VALIDATED']);
    for (const file of ['candidate.evaluation.json', 'base.evaluation.json', 'gate.json']) expect((await store.head(`${finetuneKeys(org.orgId, job.id).evaluation}${file}`)).size).toBeGreaterThan(0);
    const states = await prisma.finetuneEvent.findMany({ where: { jobId: job.id, type: 'state' }, orderBy: { seq: 'asc' } });
    expect(states.map((e) => (e.data as { to: string }).to)).toEqual(['validating', 'evaluating', 'succeeded']);
  }, 240_000);
});
