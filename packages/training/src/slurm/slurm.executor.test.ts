import { readFileSync } from 'node:fs';
import { SlurmPoolSettingsSchema } from '@medgrade/contracts';
import { describe, expect, it } from 'vitest';
import type { AttemptSpec } from '../executor.ts';
import type { SlurmCli } from './slurm.cli.ts';
import { createSlurmExecutor } from './slurm.executor.ts';
import { buildSbatch, parseScontrolJob, slurmStatus } from './slurm.job.ts';

// Fixtures: `scontrol show job <id> --oneliner` recorded on the dev cluster (pnpm slurm:dev,
// Slurm 22.05) while running each scenario for real.
const recorded = (name: string) => readFileSync(new URL(`./fixtures/scontrol-${name}.txt`, import.meta.url), 'utf8');
const statusOf = (name: string) => slurmStatus(parseScontrolJob(recorded(name)));

const settings = SlurmPoolSettingsSchema.parse({ partition: 'low', gresType: 'fake', logDir: '/var/lib/medgrade-slurm/jobs', account: 'radiology' });
const spec: AttemptSpec = {
  jobId: 'job-1',
  orgId: 'org-1',
  attempt: 2,
  nodePool: 'slurm-low',
  gpus: 2,
  command: ['/usr/bin/python3', '-m', 'medgrade_trainer', 'attempt', '--spec', "@/tmp/it's.json"],
  env: { MEDGRADE_STORE: 'fs:/data/objects', SEED: '7' },
  timeLimitSeconds: 3600,
};

describe('scontrol output', () => {
  it('parses fields whose values hold spaces and colons', () => {
    const fields = parseScontrolJob(recorded('running'));
    expect(fields.JobId).toBe('3');
    expect(fields.JobState).toBe('RUNNING');
    expect(fields.NodeList).toBe('vm');
    expect(fields['AllocNode:Sid']).toBe('localhost:6152');
    expect(fields.TRES).toBe('cpu=1,node=1,billing=1');
    expect(fields.TresPerNode).toBe('gres:gpu:fake:2');
  });

  it.each([
    ['running', { state: 'running', node: 'vm' }],
    ['pending', { state: 'pending', reason: 'Resources' }],
    ['high-completed', { state: 'succeeded' }],
  ])('%s', (name, expected) => {
    expect(statusOf(name)).toEqual(expected);
  });

  it('recognises preemption through the job step (PreemptMode=CANCEL, trainer exited 75)', () => {
    expect(statusOf('preempted-step')).toMatchObject({ state: 'stopped', cause: 'preempted', exitCode: 75, reason: expect.stringContaining('preempted by Slurm') });
  });

  it('recognises PREEMPTED (batch script killed at the end of GraceTime)', () => {
    expect(statusOf('preempted')).toMatchObject({ state: 'stopped', cause: 'preempted', exitCode: 75 });
    expect(statusOf('preempted-requeue-mode')).toMatchObject({ state: 'stopped', cause: 'preempted' });
  });

  it('an operator scancel is cancelled even though the trainer exited 75 on its SIGTERM', () => {
    expect(statusOf('cancelled')).toMatchObject({ state: 'stopped', cause: 'cancelled', exitCode: 75 });
  });

  it('a process killed on the node (SIGKILL) is a node failure', () => {
    expect(statusOf('killed')).toMatchObject({ state: 'stopped', cause: 'node', exitCode: 137, reason: 'killed by signal 9 on vm' });
  });

  it('the trainer step killed on the node (srun exits 137) is a node failure', () => {
    expect(statusOf('step-killed')).toMatchObject({ state: 'stopped', cause: 'node', exitCode: 137, reason: expect.stringContaining('killed by signal 9') });
  });

  it('exit 65 is bad input', () => {
    expect(statusOf('failed-65')).toMatchObject({ state: 'stopped', cause: 'input', exitCode: 65 });
  });
});

describe('sbatch request', () => {
  it('asks for the GRES, no requeue, the partition/account, a per-attempt log and a signal before the limit', () => {
    const { args, script } = buildSbatch(spec, settings);
    expect(args).toEqual(
      expect.arrayContaining([
        '--job-name=mg-job-1-a2',
        '--no-requeue',
        '--partition=low',
        '--account=radiology',
        '--gres=gpu:fake:2',
        '--time=60',
        '--signal=TERM@120',
        '--output=/var/lib/medgrade-slurm/jobs/job-1-attempt-2.log',
      ]),
    );
    expect(args.some((a) => a.startsWith('--qos'))).toBe(false);
    expect(script).toContain("export MEDGRADE_STORE='fs:/data/objects'");
    expect(script).toContain(`exec srun --ntasks=1 -- '/usr/bin/python3' '-m' 'medgrade_trainer' 'attempt' '--spec' '@/tmp/it'\\''s.json'`);
  });

  it('a cpu attempt asks for no GRES and a bad env key is refused', () => {
    expect(buildSbatch({ ...spec, gpus: 0 }, settings).args.some((a) => a.startsWith('--gres'))).toBe(false);
    expect(() => buildSbatch({ ...spec, env: { 'A;rm': 'x' } }, settings)).toThrow(/not a variable name/);
  });
});

function fakeCli(overrides: Partial<SlurmCli> = {}) {
  const calls: Array<[string, unknown[]]> = [];
  const cli: SlurmCli = {
    sbatch: async (...a) => (calls.push(['sbatch', a]), '42'),
    showJob: async (...a) => (calls.push(['showJob', a]), null),
    jobsNamed: async (...a) => (calls.push(['jobsNamed', a]), []),
    scancel: async (...a) => void calls.push(['scancel', a]),
    ...overrides,
  };
  return { cli, calls };
}

describe('SlurmExecutor', () => {
  it('submits once per (job, attempt): a resubmit finds the job by name', async () => {
    const { cli, calls } = fakeCli({ jobsNamed: async () => ['17'] });
    const executor = createSlurmExecutor({ cli, settings });
    expect(await executor.submit(spec)).toEqual({ kind: 'slurm', externalId: '17' });
    expect(calls.some(([c]) => c === 'sbatch')).toBe(false);
  });

  it('submits a new job when none has the name', async () => {
    const { cli, calls } = fakeCli();
    expect(await createSlurmExecutor({ cli, settings }).submit(spec)).toEqual({ kind: 'slurm', externalId: '42' });
    expect(calls.find(([c]) => c === 'sbatch')?.[1][0]).toContain('--gres=gpu:fake:2');
  });

  it('a job the controller forgot is lost; preempt signals, cancel cancels, both ignore a finished job', async () => {
    const { cli, calls } = fakeCli({
      scancel: async (id, args) => {
        calls.push(['scancel', [id, args]]);
        if (id === '9') throw new Error('scancel: error: Kill job error on job id 9: Job/step already completing or completed');
      },
    });
    const executor = createSlurmExecutor({ cli, settings });
    expect(await executor.status({ kind: 'slurm', externalId: '5' })).toEqual({ state: 'lost' });
    await executor.preempt({ kind: 'slurm', externalId: '5' });
    await executor.cancel({ kind: 'slurm', externalId: '9' });
    expect(calls.filter(([c]) => c === 'scancel').map(([, a]) => a)).toEqual([['5', ['--signal=TERM']], ['9', undefined]]);
    await expect(executor.status({ kind: 'kubernetes', externalId: 'ns/x' })).rejects.toThrow(/not a Slurm attempt handle/);
  });

  it('logs read the tail of the StdOut file scontrol names', async () => {
    const { cli } = fakeCli({ showJob: async () => recorded('running') });
    const executor = createSlurmExecutor({ cli, settings, readTail: async (path, max) => `${path}:${max}` });
    expect(await executor.logs({ kind: 'slurm', externalId: '10' }, 100)).toBe('/tmp/slx/low-3.log:100');
  });
});
