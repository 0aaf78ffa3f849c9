// Test harness for the Slurm executor's integration test: the real single-node cluster
// (scripts/slurm-dev.sh), a filesystem object store holding a tiny fine-tuning input (synthetic
// DICOM studies + the reference model's weights), and attempt specs for the real trainer.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FsObjectStore, getBuffer } from '@medgrade/storage';
import { writeSyntheticStudies } from '@medgrade/synthetic';
import type { AttemptSpec, AttemptStatus, Executor, AttemptHandle } from '../executor.ts';

const REPO = resolve(import.meta.dirname, '../../../..');
export const TRAINER_DIR = join(REPO, 'services/trainer');

const LOCK = join(tmpdir(), 'medgrade-slurm-test.lock');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Holds the one-node cluster for one test file: test files run in parallel, and a job another file
 * submits to `high` would preempt this file's `low` jobs. A lock left by a dead process is broken.
 * Starts the cluster (idempotent) once the lock is held; returns the release.
 */
export async function holdSlurmCluster(timeoutMs = 600_000): Promise<() => void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(`${LOCK}/pid`, String(process.pid));
      const release = () => rmSync(LOCK, { recursive: true, force: true });
      try {
        ensureSlurmCluster();
      } catch (err) {
        release();
        throw err;
      }
      return release;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = Number(readFileSync(`${LOCK}/pid`, { encoding: 'utf8', flag: 'a+' }) || 0);
    if (holder && !alive(holder)) rmSync(LOCK, { recursive: true, force: true });
    if (Date.now() > deadline) throw new Error(`the Slurm dev cluster stayed held by process ${holder} (${LOCK})`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Starts the dev cluster (idempotent) or fails naming the command that does. */
export function ensureSlurmCluster(): void {
  const run = spawnSync('bash', [join(REPO, 'scripts/slurm-dev.sh'), 'start'], { encoding: 'utf8', timeout: 300_000 });
  if (run.status !== 0) {
    throw new Error(`the Slurm dev cluster is not available; start it with \`pnpm slurm:dev\` (root on Debian):\n${run.stderr.slice(-1500)}`);
  }
}

/** Runs a Slurm command as an operator would (not through the executor). */
export function operator(cmd: string, args: string[]): string {
  const run = spawnSync(cmd, args, { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${run.stderr}`);
  return run.stdout;
}

/**
 * The pid of the trainer running as step 0 (srun) of a Slurm job, once it runs. Both commands fail
 * while the step is starting or when a listed process has just exited (scontrol: no step yet; ps:
 * exit 1 for a gone pid): that reads as "not yet", and the caller keeps polling.
 */
export function trainerPid(slurmJobId: string): number | undefined {
  const quiet = (cmd: string, args: string[]): string => {
    try {
      return operator(cmd, args);
    } catch {
      return '';
    }
  };
  const rows = quiet('scontrol', ['listpids', slurmJobId]).split('\n').slice(1).map((l) => l.trim().split(/\s+/));
  const pids = rows.filter((r) => r[2] === '0').map((r) => Number(r[0]));
  return pids.find((p) => quiet('ps', ['-o', 'args=', '-p', String(p)]).includes('medgrade_trainer'));
}

export interface FineTuneInput {
  store: FsObjectStore;
  storeRoot: string;
  baseModel: string;
  train: string;
}

/** A synthetic training split and the reference model's weights in a filesystem store. */
export async function writeFineTuneInput(dir: string): Promise<FineTuneInput> {
  const storeRoot = join(dir, 'objects');
  const store = new FsObjectStore(storeRoot);
  const rows = await writeSyntheticStudies({ out: join(dir, 'studies'), count: 12, seed: 11, task: 'findings' });
  const lines: string[] = [];
  for (const row of rows) {
    const key = `input/studies/${row.file}`;
    await store.put(key, readFileSync(join(dir, 'studies', row.file)));
    lines.push(JSON.stringify({ ...row, file: key }));
  }
  await store.put('input/train.jsonl', Buffer.from(lines.join('\n') + '\n'));
  await store.put('input/base/pytorch_model.pt', readFileSync(join(REPO, 'model-bundles/medgrade-cxr-tiny/1/pytorch_model.pt')));
  return { store, storeRoot, baseModel: 'input/base/pytorch_model.pt', train: 'input/train.jsonl' };
}

export interface TrainerAttempt {
  jobId: string;
  attempt: number;
  steps: number;
  gpus: number;
  pool: string;
}

/** Job-level keys (checkpoints, model) are shared by attempts; events and log are per attempt. */
export function attemptKeys(jobId: string, attempt: number) {
  return {
    checkpoints: `jobs/${jobId}/checkpoints/`,
    model: `jobs/${jobId}/model.pt`,
    events: `jobs/${jobId}/attempts/${attempt}/events/`,
    log: `jobs/${jobId}/attempts/${attempt}/log/`,
  };
}

/** The AttemptSpec that runs `medgrade_trainer attempt` on the node. */
export function trainerAttempt(dir: string, input: FineTuneInput, a: TrainerAttempt): AttemptSpec {
  const specDir = join(dir, 'specs');
  mkdirSync(specDir, { recursive: true });
  const specPath = join(specDir, `${a.jobId}-${a.attempt}.json`);
  const spec = {
    store: `fs:${input.storeRoot}`,
    attempt: a.attempt,
    method: 'lora',
    seed: 5,
    device: 'cpu',
    workDir: join(dir, 'work', `${a.jobId}-${a.attempt}`),
    hyperparameters: { steps: a.steps, batchSize: 4, checkpointEvery: 2, logEvery: 1, warmup: 1 },
    keys: { baseModel: input.baseModel, train: input.train, ...attemptKeys(a.jobId, a.attempt) },
  };
  writeFileSync(specPath, JSON.stringify(spec));
  return {
    jobId: a.jobId,
    orgId: 'org-slurm-test',
    attempt: a.attempt,
    nodePool: a.pool,
    gpus: a.gpus,
    command: ['/usr/bin/python3', '-m', 'medgrade_trainer', 'attempt', '--spec', `@${specPath}`],
    env: { PYTHONPATH: TRAINER_DIR, OMP_NUM_THREADS: '1' },
    timeLimitSeconds: 1800,
  };
}

export interface TrainerEvent {
  event: string;
  step?: number;
  [key: string]: unknown;
}

/** The attempt's event lines, read back from the object store as the orchestrator would. */
export async function storedEvents(store: FsObjectStore, prefix: string): Promise<TrainerEvent[]> {
  const keys: string[] = [];
  for await (const info of store.list(prefix)) keys.push(info.key);
  const events: TrainerEvent[] = [];
  for (const key of keys.sort()) {
    const text = (await getBuffer(store, key)).toString('utf8');
    events.push(...text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as TrainerEvent));
  }
  return events;
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 240_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Polls the executor until the attempt has stopped or succeeded. */
export function finalStatus(executor: Executor, handle: AttemptHandle): Promise<AttemptStatus> {
  return waitFor(`Slurm job ${handle.externalId} to end`, async () => {
    const status = await executor.status(handle);
    return status.state === 'succeeded' || status.state === 'stopped' || status.state === 'lost' ? status : undefined;
  });
}
