// The seam between the training orchestrator and the schedulers that own GPUs (STYLE.md 3).
// The orchestrator's scheduler decides *what* runs *where*; an Executor only starts, follows and
// stops one attempt on one node pool. Local, Slurm and Kubernetes executors implement it, so a new
// scheduler plugs in without touching the scheduling code.
//
// GPU nodes reach the object store, never Postgres: an attempt's trainer (or the runner wrapped
// around it) writes its event lines, checkpoints and log under the attempt's object-store prefix,
// and the orchestrator follows them there. An executor's `status` therefore reports only what the
// scheduler knows (queued, running, gone and why); progress comes from the object store.

/** Which scheduler a node pool hands attempts to. */
export type ExecutorKind = 'local' | 'slurm' | 'kubernetes';

/** One attempt of one fine-tuning job, as an executor needs it. Never carries PHI. */
export interface AttemptSpec {
  jobId: string;
  orgId: string;
  /** 1-based; each attempt is a separate scheduler job with its own log. */
  attempt: number;
  /** Name of the node pool (the executor's own settings come from the pool it was built for). */
  nodePool: string;
  /** GPUs this attempt needs (0 on a cpu pool). */
  gpus: number;
  /** The process to run on the node, argv form (e.g. the trainer's attempt runner). */
  command: string[];
  /** Non-secret environment for the process (object-store endpoint, bucket, prefixes, seed). */
  env: Record<string, string>;
  /** Wall-clock limit; the executor asks the trainer to checkpoint before it (Slurm --signal). */
  timeLimitSeconds?: number;
}

/** What identifies a submitted attempt to its executor; stored on the attempt row, survives restarts. */
export interface AttemptHandle {
  kind: ExecutorKind;
  /** pid@starttime (local), Slurm job id, or namespace/job-name (Kubernetes). */
  externalId: string;
}

/** Why an attempt stopped without finishing; decides the retry budget. */
export type AttemptFailureCause =
  | 'preempted' // the scheduler took the node back (Slurm preemption, Kueue eviction, pod disruption, our own SIGTERM)
  | 'node' // the node or process died (OOM, killed, lost node, image pull): retried a few times
  | 'input' // the trainer refused its input (exit code 65): never retried
  | 'cancelled' // an operator or the API cancelled it (scancel, Job deleted)
  | 'unknown';

/** The scheduler's view of an attempt. */
export type AttemptStatus =
  | { state: 'pending'; reason?: string }
  | { state: 'running'; node?: string }
  | { state: 'succeeded' }
  | { state: 'stopped'; cause: AttemptFailureCause; reason: string; exitCode?: number }
  /** The scheduler no longer knows the attempt (purged, or never existed). */
  | { state: 'lost' };

/** Trainer exit codes every executor maps the same way (services/trainer). */
export const TRAINER_EXIT = {
  ok: 0,
  /** SIGTERM received: finished the step, wrote and uploaded a checkpoint, exited. */
  preempted: 75,
  /** Bad input (labels, manifest, base model): retrying cannot help. */
  badInput: 65,
} as const;

/** Starts, follows and stops attempts on one node pool. */
export interface Executor {
  readonly kind: ExecutorKind;
  /** Start an attempt; resolves once the scheduler has accepted it. Idempotent per (jobId, attempt). */
  submit(spec: AttemptSpec): Promise<AttemptHandle>;
  status(handle: AttemptHandle): Promise<AttemptStatus>;
  /** Ask the attempt to checkpoint and exit (preemption by the orchestrator). */
  preempt(handle: AttemptHandle): Promise<void>;
  /** Stop the attempt now; resolves when the scheduler accepted the request. Idempotent. */
  cancel(handle: AttemptHandle): Promise<void>;
  /** The last `maxBytes` of what the scheduler captured of the attempt's output (diagnostics only). */
  logs(handle: AttemptHandle, maxBytes?: number): Promise<string>;
}

/**
 * How every executor reads a trainer's exit code (added with the local executor; Slurm and
 * Kubernetes map their own exit reports through it too). `signal`: the process died of a signal.
 */
export function statusForExit(code: number | null, signal?: string | null): AttemptStatus {
  if (code === TRAINER_EXIT.ok) return { state: 'succeeded' };
  if (code === TRAINER_EXIT.preempted) return { state: 'stopped', cause: 'preempted', reason: 'checkpointed and exited after SIGTERM', exitCode: code };
  if (code === TRAINER_EXIT.badInput) return { state: 'stopped', cause: 'input', reason: 'the trainer refused its input', exitCode: code };
  if (code === null) return { state: 'stopped', cause: 'node', reason: `killed by ${signal ?? 'a signal'}` };
  return { state: 'stopped', cause: 'node', reason: `exited with code ${code}`, exitCode: code };
}
