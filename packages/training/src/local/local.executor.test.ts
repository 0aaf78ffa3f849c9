// The local executor with real processes (a sleeping stand-in for the trainer): start, status,
// cancel, and the crash window between starting a trainer and recording its handle.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AttemptSpec } from '../executor.ts';
import { LocalExecutor } from './local.executor.ts';
import { groupLeadersWithEnv, parseProcessId } from './process.ts';

const workDir = mkdtempSync(join(tmpdir(), 'local-executor-'));
const executor = new LocalExecutor({ workDir, env: { MEDGRADE_TEST_SECRET: 'only-here' } });
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

const spec = (jobId: string): AttemptSpec => ({ jobId, orgId: 'org', attempt: 1, nodePool: 'cpu', gpus: 0, command: ['/bin/sleep', '60'], env: {} });

async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200 && !(await check()); i++) await new Promise((resolve) => setTimeout(resolve, 50));
}

describe('LocalExecutor', () => {
  it('runs an attempt detached, reports it running, and stops it on cancel', async () => {
    const handle = await executor.submit(spec('job-a'));
    expect(await executor.status(handle)).toEqual({ state: 'running', node: 'local' });
    // The executor's own environment (the object-store credentials in production) reaches the child.
    expect(await groupLeadersWithEnv('MEDGRADE_TEST_SECRET', 'only-here')).toContain(parseProcessId(handle.externalId).pid);
    expect(await executor.submit(spec('job-a'))).toEqual(handle); // idempotent per attempt
    await executor.cancel(handle);
    await until(async () => (await executor.status(handle)).state !== 'running');
    expect(await executor.status(handle)).toMatchObject({ state: 'stopped' });
  });

  it('adopts a trainer its starter did not get to record instead of starting a second one', async () => {
    const exitFile = join(executor.attemptDir('job-b', 1), 'exit.json');
    mkdirSync(executor.attemptDir('job-b', 1), { recursive: true });
    // What a dying orchestrator leaves: the trainer runs, no handle was written.
    const orphan = spawn('/bin/sleep', ['60'], { detached: true, stdio: 'ignore', env: { MEDGRADE_EXIT_FILE: exitFile } });
    orphan.unref();
    await until(async () => (await groupLeadersWithEnv('MEDGRADE_EXIT_FILE', exitFile)).length === 1);

    const handle = await executor.submit(spec('job-b'));
    expect(parseProcessId(handle.externalId).pid).toBe(orphan.pid);
    expect(await groupLeadersWithEnv('MEDGRADE_EXIT_FILE', exitFile)).toEqual([orphan.pid]);
    expect(await executor.status(handle)).toEqual({ state: 'running', node: 'local' });
    await executor.cancel(handle);
    await until(async () => (await groupLeadersWithEnv('MEDGRADE_EXIT_FILE', exitFile)).length === 0);
    expect(await groupLeadersWithEnv('MEDGRADE_EXIT_FILE', exitFile)).toEqual([]);
  });
});
