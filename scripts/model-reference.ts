// `pnpm model:reference`: rebuilds the committed reference bundle model-bundles/medgrade-cxr-tiny/1 from
// nothing: seeded synthetic studies (medgrade synth), pretraining, evaluation on 500 held-out
// studies, ONNX export with the parity check. Every step is seeded, so a rerun on the same machine
// type reproduces the weights; `--quick` runs a few steps into data/ only (a pipeline check).
import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = resolve(import.meta.dirname, '..');
const PYTHON = process.env.MEDGRADE_PYTHON ?? '/usr/bin/python3';

export const REFERENCE = {
  name: 'medgrade-cxr-tiny',
  version: '1',
  trainStudies: 4000,
  testStudies: 500,
  trainSeed: 1,
  testSeed: 2,
  pretrain: ['--steps', '2000', '--batch-size', '32', '--lr', '3e-3', '--seed', '1', '--checkpoint-every', '500', '--log-every', '100'],
};

/** Runs a command with inherited stdio; resolves with its wall time in seconds. */
export function run(cmd: string, args: string[], cwd = ROOT): Promise<number> {
  const started = Date.now();
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, { cwd, stdio: 'inherit' });
    child.on('error', fail);
    child.on('exit', (code) => (code === 0 ? done((Date.now() - started) / 1000) : fail(new Error(`${cmd} ${args[0] ?? ''} exited with ${code}`))));
  });
}

export function synth(out: string, count: number, seed: number, task: string): Promise<number> {
  return run('pnpm', ['--silent', 'medgrade', 'synth', '--out', out, '--count', String(count), '--seed', String(seed), '--task', task]);
}

export function trainer(mode: string, args: string[]): Promise<number> {
  return run(PYTHON, ['-m', 'medgrade_trainer', mode, ...args], join(ROOT, 'services/trainer'));
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
  const quick = values.quick ?? false;
  const data = join(ROOT, 'data/reference');
  const run = join(data, 'run');
  const bundle = quick ? join(data, 'bundle') : join(ROOT, 'model-bundles', REFERENCE.name, REFERENCE.version);
  const times: Record<string, number> = {};
  await rm(run, { recursive: true, force: true });
  await rm(bundle, { recursive: true, force: true });
  times.synthTrain = await synth(join(data, 'train'), quick ? 200 : REFERENCE.trainStudies, REFERENCE.trainSeed, 'findings');
  times.synthTest = await synth(join(data, 'test'), quick ? 50 : REFERENCE.testStudies, REFERENCE.testSeed, 'findings');
  const pretrain = quick ? ['--steps', '20', '--batch-size', '16', '--seed', '1', '--log-every', '5'] : REFERENCE.pretrain;
  times.pretrainAndEvaluate = await trainer('pretrain', ['--train', join(data, 'train/labels.jsonl'), '--val', join(data, 'test/labels.jsonl'), '--out', run, ...pretrain]);
  times.export = await trainer('export', [
    '--model', join(run, 'model.pt'), '--out', bundle, '--name', REFERENCE.name, '--version', REFERENCE.version,
    '--evaluation', join(run, 'evaluation.json'), '--parity-data', join(data, 'test/labels.jsonl'),
  ]);
  const total = Object.values(times).reduce((s, t) => s + t, 0);
  process.stderr.write(`model:reference done in ${total.toFixed(0)} s ${JSON.stringify(times)}\nbundle: ${bundle}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
