// The trainer's object-store writes against a store that refuses them (finetune-faults.int.test.ts
// found the cause: a 30 s refusal made boto3's own few retries give up, the attempt died as a node
// failure and its event chunk numbering skipped the refused chunk). The real trainer code
// (services/trainer store.py, attempt.py) in Debian's Python against s3rver behind the refusing
// proxy; boto3's own retries are switched off (AWS_MAX_ATTEMPTS=1) so that only ours are under test
// and a short refusal shows them. Also SIGTERM (a preemption, whose grace period is short) while a
// write waits for the store: the attempt ends at once as preempted instead of waiting on.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateStudy, labelRow, studyToDicom } from '../../packages/synthetic/src/index.ts';
import { finetuneKeys, getBuffer, S3ObjectStore } from '../../packages/storage/src/index.ts';
import { BASE_BUNDLE } from '../../packages/training/src/testing/finetune.fixtures.ts';
import { TINY } from '../../services/training-orchestrator/test/harness.ts';
import { startRefusingS3, type RefusingS3 } from './platform.infra.ts';

const TRAINER = resolve(import.meta.dirname, '../../services/trainer');

interface Run {
  done: Promise<{ code: number | null; stdout: string; stderr: string; ms: number }>;
  /** Resolves once the process has printed `text`. */
  printed(text: string): Promise<void>;
  send(line: string): void;
  kill(signal: NodeJS.Signals): void;
}

function python(code: string, env: Record<string, string>): Run {
  const started = Date.now();
  const child = spawn('/usr/bin/python3', ['-c', code], { env: { PATH: process.env.PATH ?? '', PYTHONPATH: TRAINER, PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string; ms: number }>((r) => child.once('close', (exit) => r({ code: exit, stdout, stderr, ms: Date.now() - started })));
  return {
    done,
    printed: (text) => new Promise((r, reject) => {
      const check = () => (stdout.includes(text) ? r() : child.exitCode !== null ? reject(new Error(`exited before printing ${text}: ${stderr}`)) : setTimeout(check, 50));
      check();
    }),
    send: (line) => child.stdin.write(`${line}\n`),
    kill: (signal) => child.kill(signal),
  };
}

async function until(probe: () => boolean, timeoutMs: number): Promise<void> {
  const start = Date.now();
  while (!probe()) {
    if (Date.now() - start > timeoutMs) throw new Error(`not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('trainer object-store writes under refused writes', () => {
  let s3: RefusingS3;
  let store: S3ObjectStore;
  let env: Record<string, string>;
  beforeAll(async () => {
    s3 = await startRefusingS3();
    store = new S3ObjectStore(s3.options);
    const { credentials } = s3.options;
    env = {
      MEDGRADE_STORE: `s3:${s3.options.bucket}`, MEDGRADE_S3_ENDPOINT: s3.options.endpoint!, MEDGRADE_S3_REGION: s3.options.region, MEDGRADE_S3_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: credentials!.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials!.secretAccessKey, AWS_MAX_ATTEMPTS: '1',
    };
  }, 60_000);
  afterAll(async () => {
    store?.close();
    await s3?.close();
  });

  it('waits out a refusal: the checkpoint PUT lands once the store takes writes again', async () => {
    const key = 'finetune/o/j/checkpoints/step-00000004.pt';
    s3.refuseWrites(true);
    const before = s3.refused();
    const run = python(`from medgrade_trainer.store import open_store\nopen_store().put(${JSON.stringify(key)}, b"checkpoint-4")`, env);
    // Refused for 3 s from its first try on (boto3's own retries are off: the first 503 is ours to handle).
    await until(() => s3.refused() > before, 30_000);
    await new Promise((r) => setTimeout(r, 3_000));
    s3.refuseWrites(false);
    const result = await run.done;
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(s3.refused() - before).toBeGreaterThan(1);
    expect((await getBuffer(store, key)).toString()).toBe('checkpoint-4');
  }, 60_000);

  it('gives up after its budget (MEDGRADE_STORE_RETRY_SECONDS) with the store error, not before', async () => {
    s3.refuseWrites(true);
    try {
      const result = await python('from medgrade_trainer.store import open_store\nopen_store().put("finetune/o/j/model.pt", b"w")', { ...env, MEDGRADE_STORE_RETRY_SECONDS: '2' }).done;
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('ServiceUnavailable');
      expect(result.ms).toBeGreaterThan(1_000);
    } finally {
      s3.refuseWrites(false);
    }
    await expect(store.head('finetune/o/j/model.pt')).rejects.toThrow();
  }, 60_000);

  it('never skips an event chunk number: a refused flush keeps its lines for the next one', async () => {
    const prefix = 'finetune/o/j/attempts/1/events/';
    const code = `import sys
from medgrade_trainer.store import open_store
from medgrade_trainer.attempt import Chunks
c = Chunks(open_store(), ${JSON.stringify(prefix)}, "jsonl")
c.add('{"event":"step","step":1}')
try:
    c.flush()
    print("stored while refused")
except Exception:
    print("refused")
c.add('{"event":"step","step":2}')
sys.stdin.readline()
c.flush()
print(c.n)`;
    s3.refuseWrites(true);
    const run = python(code, { ...env, MEDGRADE_STORE_RETRY_SECONDS: '0' });
    await run.printed('refused');
    s3.refuseWrites(false);
    run.send('go');
    const result = await run.done;
    expect(result.stdout.trim().split('\n')).toEqual(['refused', '1']);
    const keys: string[] = [];
    for await (const o of store.list(prefix)) keys.push(o.key);
    expect(keys).toEqual([`${prefix}00000001.jsonl`]);
    expect((await getBuffer(store, keys[0]!)).toString()).toBe('{"event":"step","step":1}\n{"event":"step","step":2}\n');
  }, 60_000);

  it('ends an attempt waiting for the store at once on SIGTERM, as preempted (75), not after the outage', async () => {
    // A real attempt (the trainer CLI, the reference model, 8 synthetic studies) that trains while the store takes writes.
    const keys = finetuneKeys('o', 'sigterm');
    const rows = [];
    for (let i = 0; i < 8; i++) {
      const study = generateStudy(7, i, 'findings');
      const key = `deid/o/p/${i}.dcm`;
      await store.put(key, Buffer.from(studyToDicom(study)));
      rows.push(JSON.stringify(labelRow(study, key)));
    }
    await store.put('datasets/o/d/s/train.jsonl', Buffer.from(`${rows.join('\n')}\n`));
    await store.put('models/o/base/pytorch_model.pt', await readFile(join(BASE_BUNDLE, 'pytorch_model.pt')));
    const work = await mkdtemp(join(tmpdir(), 'trainer-sigterm-'));
    const spec = {
      attempt: 1, seed: 3, method: 'lora', workDir: work, hyperparameters: { ...TINY, steps: 10_000, checkpointEvery: 2 },
      keys: { baseModel: 'models/o/base/pytorch_model.pt', train: 'datasets/o/d/s/train.jsonl', checkpoints: keys.checkpoints, events: keys.attempt(1).events, log: keys.attempt(1).log, model: keys.model },
    };
    const exitFile = join(work, 'exit.json');
    const run = python(`import sys\nfrom medgrade_trainer.cli import main\nsys.exit(main(["attempt", "--spec", ${JSON.stringify(JSON.stringify(spec))}]))`, { ...env, MEDGRADE_EXIT_FILE: exitFile });
    try {
      await run.printed('"event":"checkpoint"');
      s3.refuseWrites(true);
      const before = s3.refused();
      await until(() => s3.refused() > before, 30_000); // a write is refused: the trainer waits for the store
      await new Promise((r) => setTimeout(r, 1_000));
      const termAt = Date.now();
      run.kill('SIGTERM');
      // The store stays refusing for 20 s: before the fix the trainer waited it out, and exited only after.
      const result = await Promise.race([run.done, new Promise<null>((r) => setTimeout(() => r(null), 20_000))]);
      s3.refuseWrites(false);
      const exitMs = Date.now() - termAt;
      process.stderr.write(`trainer SIGTERM during a store wait: exit ${result?.code ?? 'none'} after ${exitMs} ms\n`);
      expect(result?.code).toBe(75);
      expect(result?.stderr).toContain('preempted while waiting for the object store');
      expect(JSON.parse(await readFile(exitFile, 'utf8'))).toMatchObject({ code: 75 });
      // What the next attempt resumes from is in the store: at least the first checkpoint.
      const checkpoints: string[] = [];
      for await (const o of store.list(keys.checkpoints)) checkpoints.push(o.key);
      expect(checkpoints.length).toBeGreaterThan(0);
    } finally {
      s3.refuseWrites(false);
      run.kill('SIGKILL');
      await run.done;
      await rm(work, { recursive: true, force: true });
    }
  }, 120_000);
});
