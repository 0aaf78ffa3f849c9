// The Slurm executor: each attempt is its own `sbatch` job in the pool's partition, followed with
// `scontrol show job` (squeue to find a job already submitted), stopped with `scancel`. Slurm's
// own requeue is off (--no-requeue): the orchestrator decides whether a stopped attempt is retried,
// as a new job with its own log, resuming from the checkpoint the trainer uploaded.
import { open } from 'node:fs/promises';
import type { SlurmPoolSettings } from '@medgrade/contracts';
import type { AttemptHandle, AttemptSpec, AttemptStatus, Executor } from '../executor.ts';
import type { SlurmCli } from './slurm.cli.ts';
import { buildSbatch, parseScontrolJob, slurmJobName, slurmStatus } from './slurm.job.ts';

export interface SlurmExecutorDeps {
  settings: SlurmPoolSettings;
  cli: SlurmCli;
  /** Reads the last bytes of a batch output file; defaults to the local filesystem (shared with the nodes). */
  readTail?: (path: string, maxBytes: number) => Promise<string>;
}

function handleOf(jobId: string): AttemptHandle {
  return { kind: 'slurm', externalId: jobId };
}

function jobIdOf(handle: AttemptHandle): string {
  if (handle.kind !== 'slurm' || !/^\d+$/.test(handle.externalId)) {
    throw new Error(`not a Slurm attempt handle: ${handle.kind}/${handle.externalId}`);
  }
  return handle.externalId;
}

export async function readFileTail(path: string, maxBytes: number): Promise<string> {
  const file = await open(path, 'r').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (!file) return '';
  try {
    const { size } = await file.stat();
    const length = Math.min(size, maxBytes);
    const buf = Buffer.alloc(length);
    await file.read(buf, 0, length, size - length);
    return buf.toString('utf8');
  } finally {
    await file.close();
  }
}

/** An Executor over one Slurm partition (one node pool). */
export function createSlurmExecutor(deps: SlurmExecutorDeps): Executor {
  const { cli, settings } = deps;
  const readTail = deps.readTail ?? readFileTail;
  return {
    kind: 'slurm',
    async submit(spec: AttemptSpec) {
      // Idempotent per (jobId, attempt): a retried submit finds the job by name.
      const existing = await cli.jobsNamed(slurmJobName(spec));
      if (existing.length > 0) return handleOf(existing[0]);
      const { args, script } = buildSbatch(spec, settings);
      return handleOf(await cli.sbatch(args, script));
    },
    async status(handle): Promise<AttemptStatus> {
      const text = await cli.showJob(jobIdOf(handle));
      if (text === null) return { state: 'lost' };
      return slurmStatus(parseScontrolJob(text));
    },
    async preempt(handle) {
      // SIGTERM to the job step only: the trainer checkpoints and exits 75, the job ends FAILED 75.
      await cli.scancel(jobIdOf(handle), ['--signal=TERM']).catch(ignoreFinished);
    },
    async cancel(handle) {
      await cli.scancel(jobIdOf(handle)).catch(ignoreFinished);
    },
    async logs(handle, maxBytes = 64 * 1024) {
      const text = await cli.showJob(jobIdOf(handle));
      const path = text === null ? undefined : parseScontrolJob(text).StdOut;
      return path ? readTail(path, maxBytes) : '';
    },
  };
}

function ignoreFinished(err: unknown): void {
  // scancel on a job that already ended is not an error for an idempotent cancel.
  if (err instanceof Error && /already completing or completed|Invalid job id/i.test(err.message)) return;
  throw err;
}
