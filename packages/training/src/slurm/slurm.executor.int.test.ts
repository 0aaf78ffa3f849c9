// The Slurm executor on a real single-node Slurm 22.05 cluster (scripts/slurm-dev.sh, started by
// beforeAll, held by one test file at a time; the test fails naming `pnpm slurm:dev` when it
// cannot), running the real trainer's
// `attempt` mode against a filesystem object store. Executor level: the orchestrator's part
// (deciding to start attempt 2 after a preemption) is done here by hand.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SlurmPoolSettingsSchema } from '@medgrade/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttemptHandle, Executor } from '../executor.ts';
import { createSlurmCli } from './slurm.cli.ts';
import { createSlurmExecutor } from './slurm.executor.ts';
import {
  attemptKeys,
  holdSlurmCluster,
  finalStatus,
  operator,
  storedEvents,
  trainerAttempt,
  trainerPid,
  waitFor,
  writeFineTuneInput,
  type FineTuneInput,
} from './slurm.harness.ts';
import { parseScontrolJob } from './slurm.job.ts';

let dir: string;
let input: FineTuneInput;
let low: Executor;
let high: Executor;
let release: (() => void) | undefined;
const cli = createSlurmCli();
const run = `${process.pid}-${Date.now().toString(36)}`;
const job = (name: string) => `${name}-${run}`;

beforeAll(async () => {
  release = await holdSlurmCluster();
  dir = mkdtempSync(join(tmpdir(), 'slurm-int-'));
  input = await writeFineTuneInput(dir);
  const logDir = join(dir, 'logs');
  low = createSlurmExecutor({ cli, settings: SlurmPoolSettingsSchema.parse({ partition: 'low', gresType: 'fake', logDir }) });
  high = createSlurmExecutor({ cli, settings: SlurmPoolSettingsSchema.parse({ partition: 'high', gresType: 'fake', logDir }) });
  mkdirSync(logDir, { recursive: true });
}, 900_000);

afterAll(() => {
  release?.();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const waitRunning = (executor: Executor, handle: AttemptHandle) =>
  waitFor(`job ${handle.externalId} to run`, async () => ((await executor.status(handle)).state === 'running' ? true : undefined));

const waitCheckpoint = (jobId: string, attempt: number) =>
  waitFor(`a checkpoint of ${jobId}`, async () => {
    const events = await storedEvents(input.store, attemptKeys(jobId, attempt).events);
    return events.find((e) => e.event === 'checkpoint');
  });

describe('Slurm executor on a real cluster', () => {
  it('runs an attempt as a Slurm job with a GPU GRES; events, checkpoints and weights reach the object store', async () => {
    const id = job('ok');
    const handle = await low.submit(trainerAttempt(dir, input, { jobId: id, attempt: 1, steps: 4, gpus: 1, pool: 'slurm-low' }));
    expect(await low.submit(trainerAttempt(dir, input, { jobId: id, attempt: 1, steps: 4, gpus: 1, pool: 'slurm-low' }))).toEqual(handle);
    const fields = parseScontrolJob((await cli.showJob(handle.externalId)) ?? '');
    expect(fields.TresPerNode).toBe('gres:gpu:fake:1');
    expect(fields.Partition).toBe('low');
    expect(await finalStatus(low, handle)).toEqual({ state: 'succeeded' });
    const events = await storedEvents(input.store, attemptKeys(id, 1).events);
    expect(events.filter((e) => e.event === 'step').map((e) => e.step)).toEqual([1, 2, 3, 4]);
    expect(events.at(-1)).toMatchObject({ event: 'done', steps: 4 });
    await expect(input.store.head(attemptKeys(id, 1).model)).resolves.toMatchObject({ size: expect.any(Number) });
    const checkpoints: string[] = [];
    for await (const o of input.store.list(attemptKeys(id, 1).checkpoints)) checkpoints.push(o.key);
    expect(checkpoints.length).toBeGreaterThan(0);
  }, 300_000);

  it('a job in the high partition preempts a running low one: preempted after a checkpoint, attempt 2 resumes from it and finishes', async () => {
    const id = job('victim');
    const victim = await low.submit(trainerAttempt(dir, input, { jobId: id, attempt: 1, steps: 400, gpus: 2, pool: 'slurm-low' }));
    await waitRunning(low, victim);
    await waitCheckpoint(id, 1);
    const urgent = await high.submit(trainerAttempt(dir, input, { jobId: job('urgent'), attempt: 1, steps: 2, gpus: 1, pool: 'slurm-high' }));
    const stopped = await finalStatus(low, victim);
    expect(stopped).toMatchObject({ state: 'stopped', cause: 'preempted', exitCode: 75, reason: expect.stringContaining('preempted by Slurm') });
    const first = await storedEvents(input.store, attemptKeys(id, 1).events);
    const lastCheckpoint = first.filter((e) => e.event === 'checkpoint').at(-1)?.step ?? 0;
    expect(first.at(-1)).toMatchObject({ event: 'preempted' });
    expect(await finalStatus(high, urgent)).toEqual({ state: 'succeeded' });

    // The orchestrator's part: a new attempt, same job-level keys, fewer steps left to keep it short.
    const steps = lastCheckpoint + 4;
    const second = await low.submit(trainerAttempt(dir, input, { jobId: id, attempt: 2, steps, gpus: 2, pool: 'slurm-low' }));
    expect(second.externalId).not.toBe(victim.externalId);
    expect(await finalStatus(low, second)).toEqual({ state: 'succeeded' });
    const resumed = await storedEvents(input.store, attemptKeys(id, 2).events);
    expect(resumed.find((e) => e.event === 'resume')).toMatchObject({ step: lastCheckpoint });
    expect(resumed.filter((e) => e.event === 'step')[0]?.step).toBe(lastCheckpoint + 1);
    expect(resumed.at(-1)).toMatchObject({ event: 'done', steps });
  }, 600_000);

  it("an operator's scancel is cancelled", async () => {
    const handle = await low.submit(trainerAttempt(dir, input, { jobId: job('scancel'), attempt: 1, steps: 400, gpus: 1, pool: 'slurm-low' }));
    await waitRunning(low, handle);
    operator('scancel', [handle.externalId]);
    expect(await finalStatus(low, handle)).toMatchObject({ state: 'stopped', cause: 'cancelled' });
  }, 300_000);

  it('the trainer killed on the node (SIGKILL) is a node failure', async () => {
    const handle = await low.submit(trainerAttempt(dir, input, { jobId: job('killed'), attempt: 1, steps: 400, gpus: 1, pool: 'slurm-low' }));
    await waitRunning(low, handle);
    // The trainer is job step 0 (srun); kill it as the OOM killer or a crash would.
    const pid = await waitFor('the trainer process', async () => trainerPid(handle.externalId));
    process.kill(pid, 'SIGKILL');
    expect(await finalStatus(low, handle)).toMatchObject({ state: 'stopped', cause: 'node', reason: expect.stringContaining('signal 9') });
  }, 300_000);
});
