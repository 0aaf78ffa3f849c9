// The evaluation gate into the registry (issue 11 item 4). After a job's training succeeded, the
// candidate weights and the base model are scored by the trainer on the snapshot's sealed test
// split with one bootstrap seed (the same resamples for both), the gate policy decides
// (gate.policy.ts), the candidate is exported to an ONNX bundle (parity-checked by the trainer)
// carrying its lineage, and the registry records it as a draft, validated when the gate passed.
//
// Idempotent per job: the version string is derived from the job id, so a re-run after a crash
// finds the registered version and returns its stored decision; the two evaluations are kept under
// the job's evaluation prefix and reused. Runs the trainer as a child process on this host (CPU);
// large models should run it on a node pool instead.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EvaluationReportSchema, ModelValidationSchema, type EvaluationReport, type GatePolicy, type ModelValidation } from '@medgrade/contracts';
import { getBuffer, ObjectNotFoundError, type ObjectStore } from '@medgrade/storage';
import { EvaluationError } from './evaluation.errors.ts';
import type { BaseModelVersion, CandidateRegistry, RegisteredVersion, TrainerRunner } from './evaluation.ports.ts';
import type { CandidateEvaluator, EvaluationInput, EvaluationOutcome } from './evaluator.ts';
import { applyGate, resolveGatePolicy } from './gate.policy.ts';
import { downloadObject, materializeSplit } from './test-split.ts';

export interface GateEvaluatorDeps {
  store: ObjectStore;
  registry: CandidateRegistry;
  trainer: TrainerRunner;
  /** Parent of the per-evaluation work folders (default: the OS temp folder). */
  workRoot?: string;
  /** Bootstrap resamples of each evaluation (default 1000). */
  resamples?: number;
}

/** The version string a job's candidate is registered under: one per job, whatever the re-runs. */
export function candidateVersion(jobId: string): string {
  return `ft-${jobId}`;
}

interface Workspace {
  dir: string;
  testManifest: string;
  n: number;
}

export class GateEvaluator implements CandidateEvaluator {
  readonly #deps: GateEvaluatorDeps;

  constructor(deps: GateEvaluatorDeps) {
    this.#deps = deps;
  }

  async evaluate(input: EvaluationInput, signal?: AbortSignal): Promise<EvaluationOutcome> {
    const policy = this.#policy(input.gate);
    const base = await this.#deps.registry.baseVersion(input.orgId, input.baseModelVersionId);
    if (!base) throw new EvaluationError('BASE_MODEL_NOT_FOUND', 'the base model version of this job no longer exists', false);
    const version = candidateVersion(input.jobId);
    const existing = await this.#deps.registry.findVersion(input.orgId, base.modelId, version);
    if (existing) return outcomeOf(existing);
    const dir = await mkdtemp(join(this.#deps.workRoot ?? tmpdir(), 'medgrade-eval-'));
    try {
      const split = await materializeSplit(this.#deps.store, input.snapshot.testManifestKey, join(dir, 'test'));
      const ws: Workspace = { dir, testManifest: split.manifest, n: split.n };
      const candidate = await this.#evaluation(ws, input, 'candidate', input.weightsKey, signal);
      const baseEval = await this.#evaluation(ws, input, 'base', `${base.objectPrefix}/pytorch_model.pt`, signal);
      const validation = validationRecord(input, policy, ws.n, candidate, baseEval, base);
      await this.#deps.store.put(`${input.outputPrefix}gate.json`, Buffer.from(JSON.stringify(validation.gate, null, 2)));
      const files = await this.#export(ws, input, base, version, signal);
      return outcomeOf(await this.#register(input, base, version, files, validation));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  #policy(gate: Record<string, unknown> | undefined): GatePolicy {
    try {
      return resolveGatePolicy(gate);
    } catch (e) {
      throw new EvaluationError('GATE_INVALID', `the job's gate overrides are invalid: ${(e as Error).message}`, false, { cause: e });
    }
  }

  /** One model scored on the test split, reused from the job's evaluation prefix when present. */
  async #evaluation(ws: Workspace, input: EvaluationInput, who: 'candidate' | 'base', weightsKey: string, signal?: AbortSignal): Promise<EvaluationReport> {
    const key = `${input.outputPrefix}${who}.evaluation.json`;
    const weights = join(ws.dir, `${who}.pt`);
    await downloadObject(this.#deps.store, weightsKey, weights); // the export needs the candidate's even when cached
    const out = join(ws.dir, `${who}.evaluation.json`);
    const cached = await this.#cached(key, ws.n, input.seed);
    if (cached) {
      await writeFile(out, JSON.stringify(cached));
      return cached;
    }
    const args = ['--model', weights, '--data', ws.testManifest, '--out', out, '--labels', 'data', '--seed', String(input.seed), '--device', 'cpu'];
    await this.#deps.trainer.run('evaluate', [...args, '--bootstrap', String(this.#deps.resamples ?? 1000)], signal);
    const text = await readFile(out, 'utf8');
    const report = EvaluationReportSchema.parse(JSON.parse(text));
    await this.#deps.store.put(key, Buffer.from(text));
    return report;
  }

  async #cached(key: string, n: number, seed: number): Promise<EvaluationReport | null> {
    try {
      const parsed = EvaluationReportSchema.safeParse(JSON.parse((await getBuffer(this.#deps.store, key)).toString('utf8')));
      // A report of another split size or seed is stale (never expected: the prefix is the job's).
      return parsed.success && parsed.data.overall.n === n && parsed.data.bootstrap.seed === seed ? parsed.data : null;
    } catch (e) {
      if (e instanceof ObjectNotFoundError || e instanceof SyntaxError) return null;
      throw e;
    }
  }

  /** The candidate as an ONNX bundle named after the base model, with its lineage; parity-checked. */
  async #export(ws: Workspace, input: EvaluationInput, base: BaseModelVersion, version: string, signal?: AbortSignal): Promise<Map<string, Uint8Array>> {
    const lineage = join(ws.dir, 'lineage.json');
    await writeFile(lineage, JSON.stringify(lineageOf(input, base)));
    const bundle = join(ws.dir, 'bundle');
    await this.#deps.trainer.run('export', [
      '--model', join(ws.dir, 'candidate.pt'), '--out', bundle, '--name', base.name, '--version', version,
      '--evaluation', join(ws.dir, 'candidate.evaluation.json'), '--parity-data', ws.testManifest, '--lineage', lineage,
      '--description', `${base.name}@${base.version} fine-tuned (${input.method}) by job ${input.jobId}`,
    ], signal);
    const files = new Map<string, Uint8Array>();
    for (const name of await readdir(bundle)) files.set(name, await readFile(join(bundle, name)));
    return files;
  }

  async #register(input: EvaluationInput, base: BaseModelVersion, version: string, files: Map<string, Uint8Array>, validation: ModelValidation): Promise<RegisteredVersion> {
    try {
      return await this.#deps.registry.registerCandidate({ orgId: input.orgId, projectId: input.projectId, jobId: input.jobId, base, files, validation });
    } catch (e) {
      // A concurrent run of the same job registered first: its version is the answer.
      const existing = await this.#deps.registry.findVersion(input.orgId, base.modelId, version);
      if (existing) return existing;
      throw e;
    }
  }
}

/** What the bundle's manifest records about where the candidate came from (`lineage`). */
function lineageOf(input: EvaluationInput, base: BaseModelVersion): Record<string, unknown> {
  return {
    finetuneJobId: input.jobId,
    datasetSnapshotId: input.snapshot.id,
    datasetSnapshotSha256: input.snapshot.sha256,
    baseModelVersionId: base.id,
    baseModel: `${base.name}@${base.version}`,
    method: input.method,
    hyperparameters: input.hyperparameters,
    seed: input.seed,
  };
}

function validationRecord(input: EvaluationInput, policy: GatePolicy, n: number, candidate: EvaluationReport, base: EvaluationReport, baseVersion: BaseModelVersion): ModelValidation {
  return {
    finetuneJobId: input.jobId,
    policy,
    gate: applyGate(candidate, base, policy),
    testSnapshot: { id: input.snapshot.id, sha256: input.snapshot.sha256, n },
    bootstrapSeed: input.seed,
    candidate,
    base: { ...base, modelVersionId: baseVersion.id, version: baseVersion.version },
  };
}

function outcomeOf(v: RegisteredVersion): EvaluationOutcome {
  const validation = ModelValidationSchema.parse(v.validation);
  return { modelVersionId: v.id, version: v.version, status: validation.gate.passed ? 'VALIDATED' : 'DRAFT', gate: validation.gate };
}
