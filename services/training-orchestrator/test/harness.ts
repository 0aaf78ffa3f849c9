// Integration-test world for the orchestrator: real Postgres (the test's own database), a real
// filesystem object store, the real trainer. Seeds what the gateway and the datasets API would
// have stored: an organization with a project, the committed reference model as a released
// version (its pytorch_model.pt in the store), and a dataset snapshot of synthetic studies whose
// manifests name the de-identified objects by key, exactly as the datasets engineer's snapshots do.
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '@medgrade/config';
import { REPO_ROOT, newProjectSecretCiphertext, type Prisma, type PrismaClient } from '@medgrade/db';
import { FsObjectStore, type ObjectStore } from '@medgrade/storage';
import { writeSyntheticStudies } from '@medgrade/synthetic';
import { snapshotKeys, type CandidateEvaluator, type EvaluationInput, type EvaluationOutcome } from '@medgrade/training';

export const BASE_BUNDLE = join(REPO_ROOT, 'models', 'medgrade-cxr-tiny', '1');

/** Gate thresholds loosened so a few-step LoRA passes the real evaluation gate. */
export const LOOSE_GATE = { exactMatchMargin: 1, macroF1Margin: 1, maxFindingF1Drop: 1, maxSubgroupGapWidening: 1 };

/** Trainer settings small enough for 2 shared cores: a few seconds of training per job. */
export const TINY = { steps: 24, batchSize: 4, warmup: 1, logEvery: 1, checkpointEvery: 4, lr: 0.001 };

export interface Org {
  orgId: string;
  projectId: string;
  keyId: string;
  baseVersionId: string;
  snapshotId: string;
}

export async function tempStore(): Promise<{ store: FsObjectStore; root: string; cleanup(): Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'orch-store-'));
  return { store: new FsObjectStore(root), root, cleanup: () => rm(root, { recursive: true, force: true }) };
}

async function seedBaseModel(prisma: PrismaClient, store: ObjectStore, orgId: string): Promise<string> {
  const manifest = JSON.parse(await readFile(join(BASE_BUNDLE, 'manifest.json'), 'utf8')) as Prisma.InputJsonObject;
  const prefix = `models/${orgId}/medgrade-cxr-tiny/1`;
  await store.put(`${prefix}/pytorch_model.pt`, await readFile(join(BASE_BUNDLE, 'pytorch_model.pt')));
  const model = await prisma.model.create({ data: { orgId, name: 'medgrade-cxr-tiny' } });
  const version = await prisma.modelVersion.create({ data: { orgId, modelId: model.id, version: '1', status: 'RELEASED', releasedAt: new Date(), manifest, objectPrefix: prefix } });
  return version.id;
}

/** Writes `count` synthetic studies into the store and a snapshot (train/val/test manifests) over them. */
async function seedSnapshot(prisma: PrismaClient, store: ObjectStore, orgId: string, projectId: string, count: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'orch-synth-'));
  const rows = await writeSyntheticStudies({ out: dir, count, seed: 11, task: 'findings' });
  const dataset = await prisma.dataset.create({ data: { orgId, projectId, name: `ds-${randomUUID().slice(0, 8)}`, task: 'findings' } });
  const snapshotId = randomUUID();
  const keys = snapshotKeys(orgId, dataset.id, snapshotId);
  const manifest = [];
  for (const row of rows) {
    const key = `deid/${orgId}/${projectId}/${randomUUID()}.dcm`;
    await store.put(key, await readFile(join(dir, row.file)));
    manifest.push(JSON.stringify({ ...row, file: key }));
  }
  await rm(dir, { recursive: true, force: true });
  const test = Math.max(2, Math.floor(count / 6));
  const splits = { train: manifest.slice(0, count - 2 * test), val: manifest.slice(count - 2 * test, count - test), test: manifest.slice(count - test) };
  for (const [split, lines] of Object.entries(splits)) await store.put(keys[split as 'train'], Buffer.from(lines.map((l) => `${l}\n`).join('')));
  await prisma.datasetSnapshot.create({
    data: {
      id: snapshotId, orgId, projectId, datasetId: dataset.id, seed: 11, valFraction: 0.15, testFraction: 0.15, labelNames: [], trainKey: keys.train, valKey: keys.val,
      testKey: keys.test, metadataKey: keys.snapshot, sha256: randomBytes(32).toString('hex'), trainCount: splits.train.length, valCount: splits.val.length, testCount: splits.test.length, stats: {},
    },
  });
  return snapshotId;
}

/** An organization with a project, a key id, the reference model and a snapshot of `studies` studies. */
export async function seedOrg(prisma: PrismaClient, store: ObjectStore, slug: string, studies = 16): Promise<Org> {
  const org = await prisma.organization.create({ data: { slug, name: slug } });
  const project = await prisma.project.create({ data: { orgId: org.id, slug: 'chest', name: 'chest', secretCiphertext: newProjectSecretCiphertext(randomBytes(32)) } });
  const baseVersionId = await seedBaseModel(prisma, store, org.id);
  const snapshotId = await seedSnapshot(prisma, store, org.id, project.id, studies);
  return { orgId: org.id, projectId: project.id, keyId: randomUUID(), baseVersionId, snapshotId };
}

/**
 * The evaluation seam's stand-in for these orchestration tests (the evalgate engineer's real
 * evaluator and its end-to-end test cover evaluation itself): it checks that the trained weights
 * exist, records each input, and registers a validated version row once per job.
 */
export class RecordingEvaluator implements CandidateEvaluator {
  readonly inputs: EvaluationInput[] = [];
  readonly #prisma: PrismaClient;
  readonly #store: ObjectStore;

  constructor(prisma: PrismaClient, store: ObjectStore) {
    this.#prisma = prisma;
    this.#store = store;
  }

  async evaluate(input: EvaluationInput): Promise<EvaluationOutcome> {
    this.inputs.push(input);
    const weights = await this.#store.head(input.weightsKey);
    const model = await this.#prisma.model.upsert({ where: { orgId_name: { orgId: input.orgId, name: 'finetuned' } }, create: { orgId: input.orgId, name: 'finetuned' }, update: {} });
    const version = await this.#prisma.modelVersion.upsert({
      where: { modelId_version: { modelId: model.id, version: input.jobId } },
      create: { orgId: input.orgId, modelId: model.id, version: input.jobId, status: 'VALIDATED', manifest: { weightsBytes: weights.size }, objectPrefix: input.outputPrefix },
      update: {},
    });
    return { modelVersionId: version.id, version: version.version, status: 'VALIDATED', gate: { passed: true, checks: [] } };
  }
}

/** Test settings: fast polling, short leases, no protection from preemption, quick retries. */
export function trainingSettings(workDir: string, overrides: Partial<TrainingSettings> = {}): TrainingSettings {
  return {
    pollMs: 200, leaseMs: 3000, cpuPoolCapacity: 1, workDir, python: '/usr/bin/python3',
    minRunSeconds: 0, nodeRetries: 2, retryBackoffMs: 200, retryBackoffMaxMs: 1000, ...overrides,
  };
}
export type TrainingSettings = Config['training'];

/** Polls until `check` returns a value (not undefined/false) or fails after timeoutMs. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

/** Max absolute difference between the tensors of two torch state files (0 = identical weights). */
export function maxWeightDiff(a: string, b: string): number {
  const code = `import torch,sys
a,b=(torch.load(p, map_location="cpu")["model"] for p in sys.argv[1:3])
assert a.keys()==b.keys()
print(max(float((a[k].double()-b[k].double()).abs().max()) for k in a))`;
  const run = spawnSync('/usr/bin/python3', ['-c', code, a, b], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(run.stderr);
  return Number(run.stdout.trim());
}
