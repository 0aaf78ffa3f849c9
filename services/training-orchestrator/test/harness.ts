// Integration-test world for the orchestrator: real Postgres (the test's own database), a real
// filesystem object store, the real trainer; seeded by @medgrade/training/testing.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '@medgrade/config';
import type { PrismaClient } from '@medgrade/db';
import { FsObjectStore, type ObjectStore } from '@medgrade/storage';
import type { CandidateEvaluator, EvaluationInput, EvaluationOutcome } from '@medgrade/training';

export { seedOrg, type Org } from '@medgrade/training/testing';

/** Gate thresholds loosened so a few-step LoRA passes the real evaluation gate. */
export const LOOSE_GATE = { exactMatchMargin: 1, macroF1Margin: 1, maxFindingF1Drop: 1, maxSubgroupGapWidening: 1 };

/** Trainer settings small enough for 2 shared cores: a few seconds of training per job. */
export const TINY = { steps: 24, batchSize: 4, warmup: 1, logEvery: 1, checkpointEvery: 4, lr: 0.001 };

export async function tempStore(): Promise<{ store: FsObjectStore; root: string; cleanup(): Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'orch-store-'));
  return { store: new FsObjectStore(root), root, cleanup: () => rm(root, { recursive: true, force: true }) };
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
    minRunSeconds: 0, nodeRetries: 2, retryBackoffMs: 200, retryBackoffMaxMs: 1000, outageWaitSeconds: 60, ...overrides,
  };
}
export type TrainingSettings = Config['training'];

/** Polls until `check` returns a value (not undefined/false) or fails after timeoutMs. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 180_000): Promise<T> {
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
