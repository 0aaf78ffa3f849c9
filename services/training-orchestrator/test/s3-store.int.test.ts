// A fine-tuning job on the local pool with the platform on an S3 store (s3rver, with access keys
// and server-side encryption configured as a production deployment sets them): the trainer
// processes this machine starts (validation and the attempt) reach the bucket with the configured
// credentials, which never appear in the attempt spec that other executors hand to their nodes.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '@medgrade/config';
import { useTestDatabase } from '@medgrade/db/testing';
import { createObjectStore, type ObjectStore } from '@medgrade/storage';
import { finetuneKeys } from '@medgrade/storage/keys';
import { startLocalS3, type LocalS3 } from '@medgrade/storage/testing';
import { FinetuneJobs, FinetuneRepository, type Orchestrator } from '@medgrade/training';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOrchestrator, storeCredentials, trainerRuntime } from '../src/orchestrator.app.ts';
import { RecordingEvaluator, TINY, seedOrg, trainingSettings, waitFor } from './harness.ts';

describe('fine-tuning against an S3 store', () => {
  const db = useTestDatabase();
  let s3: LocalS3;
  let store: ObjectStore & { close(): void };
  let storage: Config['storage'];
  let work: string;
  let orchestrator: Orchestrator;

  beforeAll(async () => {
    s3 = await startLocalS3();
    const { credentials, ...options } = s3.options;
    storage = { driver: 's3', s3: { ...options, endpoint: options.endpoint!, forcePathStyle: true, accessKeyId: credentials!.accessKeyId, secretAccessKey: credentials!.secretAccessKey, serverSideEncryption: 'AES256' } };
    store = createObjectStore(storage);
    work = await mkdtemp(join(tmpdir(), 'orch-s3-'));
    const { prisma } = db();
    orchestrator = await buildOrchestrator({ prisma, store, storage, training: trainingSettings(work), evaluator: new RecordingEvaluator(prisma, store) });
    orchestrator.start();
  }, 120_000);

  afterAll(async () => {
    await orchestrator?.stop();
    store?.close();
    await s3?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('keeps the credentials out of the attempt spec and hands them to local trainer processes only', () => {
    const runtime = trainerRuntime({ storage, training: trainingSettings(work) });
    expect(runtime.localEnv).toEqual({ AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' });
    expect(JSON.stringify(runtime.storeEnv)).not.toContain('S3RVER');
    expect(runtime.storeEnv).toMatchObject({ MEDGRADE_STORE: `s3:${s3.options.bucket}`, MEDGRADE_S3_SSE: 'AES256' });
    // A trainer key of its own, when configured, replaces the platform's (which also reads quarantine/).
    expect(storeCredentials(storage, trainingSettings(work))).toMatchObject({ platformKey: true });
    const own = storeCredentials(storage, { ...trainingSettings(work), trainerS3AccessKeyId: 'TRAINER', trainerS3SecretAccessKey: 'trainer-secret' });
    expect(own).toEqual({ env: { AWS_ACCESS_KEY_ID: 'TRAINER', AWS_SECRET_ACCESS_KEY: 'trainer-secret' }, platformKey: false });
  });

  it('validates, trains and stores the weights in the bucket', async () => {
    const { prisma } = db();
    const org = await seedOrg(prisma, store, 's3-store', 12);
    const jobs = new FinetuneJobs(new FinetuneRepository(prisma));
    const job = await jobs.create({ keyId: org.keyId, orgId: org.orgId, projectId: null }, { baseModel: 'medgrade-cxr-tiny@1', datasetSnapshotId: org.snapshotId, method: 'lora', hyperparameters: { ...TINY, steps: 8 }, priority: 'standard', seed: 5, gpus: 1 });
    const done = await waitFor(`job ${job.id} to finish`, async () => {
      const row = await prisma.finetuneJob.findUniqueOrThrow({ where: { id: job.id } });
      return ['succeeded', 'failed', 'cancelled'].includes(row.status) && row;
    }, 300_000);
    expect([done.status, done.errorCode, done.errorMessage]).toEqual(['succeeded', null, null]);
    const weights = await store.head(finetuneKeys(org.orgId, job.id).model);
    expect(weights.size).toBeGreaterThan(0);
  }, 360_000);
});
