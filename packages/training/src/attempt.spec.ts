// What the orchestrator hands the trainer: one JSON spec with every object key it may touch (from
// finetune.keys.ts and dataset.keys.ts), the method, hyperparameters and seed. The same spec, less
// the attempt keys, drives `validate` on CPU before any GPU time.
import type { AttemptSpec } from './executor.ts';
import { finetuneKeys } from './finetune.keys.ts';

/** Where the trainer process finds the object store and its own code. */
export interface TrainerRuntime {
  python: string;
  /** services/trainer, put on PYTHONPATH. */
  trainerDir: string;
  /** `fs:<absolute root>` or `s3:<bucket>` plus S3 settings (non-secret) as environment. */
  storeEnv: Record<string, string>;
  /**
   * Object-store credentials for trainer processes this machine starts itself (validation, the
   * local pool). Never part of an attempt spec: a spec goes to Slurm or Kubernetes, whose nodes
   * bring their own credentials (instance role, credentials file, the trainer Secret).
   */
  localEnv?: Record<string, string>;
}

export interface JobInput {
  id: string;
  orgId: string;
  method: 'full' | 'lora';
  hyperparameters: Record<string, unknown>;
  seed: number;
  gpus: number;
  /** The base version's `pytorch_model.pt` object key. */
  baseModelKey: string;
  snapshot: { trainKey: string; valKey: string; testKey: string };
}

/** The spec `validate` reads: the base model and the three manifests. */
export function validateSpec(job: JobInput): Record<string, unknown> {
  const { trainKey, valKey, testKey } = job.snapshot;
  return { keys: { baseModel: job.baseModelKey, train: trainKey, val: valKey, test: testKey } };
}

/** The spec of attempt `n` of a job. */
export function attemptSpecJson(job: JobInput, n: number, workDir?: string): Record<string, unknown> {
  const keys = finetuneKeys(job.orgId, job.id);
  const attempt = keys.attempt(n);
  return {
    attempt: n,
    seed: job.seed,
    method: job.method,
    hyperparameters: job.hyperparameters,
    ...(workDir ? { workDir } : {}),
    keys: { baseModel: job.baseModelKey, train: job.snapshot.trainKey, checkpoints: keys.checkpoints, events: attempt.events, log: attempt.log, model: keys.model },
  };
}

/** argv of a trainer subcommand with its spec. */
export function trainerCommand(runtime: TrainerRuntime, mode: 'validate' | 'attempt', spec: Record<string, unknown>): string[] {
  return [runtime.python, '-m', 'medgrade_trainer', mode, '--spec', JSON.stringify(spec)];
}

/** A plain PATH: the trainer inherits nothing else from the orchestrator (no database URL, no secrets). */
export const TRAINER_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function trainerEnv(runtime: TrainerRuntime): Record<string, string> {
  return { PATH: TRAINER_PATH, PYTHONPATH: runtime.trainerDir, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1', ...runtime.storeEnv };
}

/** trainerEnv plus the credentials only this machine's own trainer processes get. */
export function localTrainerEnv(runtime: TrainerRuntime): Record<string, string> {
  return { ...trainerEnv(runtime), ...runtime.localEnv };
}

/** The executor's view of attempt `n`. */
export function buildAttemptSpec(runtime: TrainerRuntime, job: JobInput, n: number, nodePool: string, gpus: number, workDir?: string): AttemptSpec {
  return {
    jobId: job.id,
    orgId: job.orgId,
    attempt: n,
    nodePool,
    gpus,
    command: trainerCommand(runtime, 'attempt', attemptSpecJson(job, n, workDir)),
    env: trainerEnv(runtime),
  };
}
