// Trainer smoke run (spawns Debian's PyTorch): a tiny model on 24 synthetic studies must lower its
// loss, write checkpoints, resume to exactly the weights of an uninterrupted run, and export a
// bundle whose ONNX graphs match PyTorch under onnxruntime-node.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labelNames, writeSyntheticStudies } from '../../../packages/synthetic/src/index.ts';

const PYTHON = '/usr/bin/python3';
const TRAINER = resolve(import.meta.dirname, '..');
const TINY = ['--image-size', '32', '--width', '32', '--heads', '2', '--encoder-layers', '1', '--decoder-layers', '1'];

interface TrainerEvent {
  event: string;
  step?: number;
  loss?: number;
  [key: string]: unknown;
}

function trainer(args: string[]): TrainerEvent[] {
  const run = spawnSync(PYTHON, ['-m', 'medgrade_trainer', ...args], { cwd: TRAINER, encoding: 'utf8', timeout: 120_000 });
  const events = run.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as TrainerEvent);
  if (run.status !== 0) throw new Error(`trainer ${args[0]} failed (${run.status}): ${run.stderr.slice(-2000)}`);
  return events;
}

function maxWeightDiff(a: string, b: string): number {
  const code = `import torch,sys
a,b=(torch.load(p)["model"] for p in sys.argv[1:3])
assert a.keys()==b.keys()
print(max(float((a[k].double()-b[k].double()).abs().max()) for k in a))`;
  const run = spawnSync(PYTHON, ['-c', code, a, b], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(run.stderr);
  return Number(run.stdout.trim());
}

describe('services/trainer smoke run', () => {
  let dir: string;
  let full: TrainerEvent[];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trainer-'));
    await writeSyntheticStudies({ out: join(dir, 'data'), count: 24, seed: 3, task: 'findings' });
    const common = ['--train', join(dir, 'data/labels.jsonl'), '--steps', '12', '--batch-size', '8', '--lr', '3e-3', '--warmup', '2', '--log-every', '1', '--checkpoint-every', '4', '--seed', '5'];
    full = trainer(['pretrain', ...common, ...TINY, '--out', join(dir, 'full'), '--val', join(dir, 'data/labels.jsonl'), '--eval-bootstrap', '50']);
    trainer(['pretrain', ...common, ...TINY, '--out', join(dir, 'resumed'), '--stop-after', '6']);
    trainer(['pretrain', ...common, ...TINY, '--out', join(dir, 'resumed'), '--resume']);
  }, 180_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lowers the loss and reports progress as JSON lines', () => {
    const steps = full.filter((e) => e.event === 'step');
    expect(steps.map((e) => e.step)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    const first = steps.slice(0, 3).reduce((s, e) => s + (e.loss ?? 0), 0);
    const last = steps.slice(-3).reduce((s, e) => s + (e.loss ?? 0), 0);
    expect(last).toBeLessThan(first * 0.8);
    expect(full.at(-1)?.event).toBe('done');
    expect(full.some((e) => e.event === 'eval')).toBe(true);
  });

  it('writes evaluation.json with per-finding metrics, subgroups and bootstrap intervals', () => {
    type Summary = { n: number; exactMatch: { value: number; ci95: number[] }; findings: Record<string, { f1: number; support: number }> };
    const evaluation = JSON.parse(readFileSync(join(dir, 'full/evaluation.json'), 'utf8')) as { overall: Summary; subgroups: Record<string, Record<string, Summary>> };
    const { overall } = evaluation;
    expect(overall.n).toBe(24);
    expect(Object.keys(overall.findings)).toEqual(labelNames('findings'));
    const [lo = -1, hi = -1] = overall.exactMatch.ci95;
    expect(lo).toBeLessThanOrEqual(overall.exactMatch.value);
    expect(hi).toBeGreaterThanOrEqual(overall.exactMatch.value);
    expect(Object.keys(evaluation.subgroups).sort()).toEqual(['ageBand', 'sex', 'site']);
    for (const groups of Object.values(evaluation.subgroups)) {
      expect(Object.values(groups).reduce((t, g) => t + g.n, 0)).toBe(24);
    }
  });

  it('writes checkpoints every N steps and keeps the newest two', () => {
    expect(full.filter((e) => e.event === 'checkpoint').map((e) => e.step)).toEqual([4, 8, 12]);
    expect(readdirSync(join(dir, 'full/checkpoints')).sort()).toEqual(['step-0000008.pt', 'step-0000012.pt']);
  });

  it('resumes a stopped run to the same weights as an uninterrupted one', () => {
    expect(maxWeightDiff(join(dir, 'full/model.pt'), join(dir, 'resumed/model.pt'))).toBe(0);
  }, 60_000);

  it('exports a bundle that passes the onnxruntime-node parity check', () => {
    const bundle = join(dir, 'bundle');
    const events = trainer(['export', '--model', join(dir, 'full/model.pt'), '--out', bundle, '--name', 'smoke', '--version', '1', '--parity-data', join(dir, 'data/labels.jsonl')]);
    const parity = events.find((e) => e.event === 'parity');
    expect(parity?.passed).toBe(true);
    expect(parity?.textIdentical).toBe(true);
    const manifest = JSON.parse(readFileSync(join(bundle, 'manifest.json'), 'utf8')) as { files: { path: string; sha256: string }[]; decoder: { layers: number } };
    expect(manifest.decoder.layers).toBe(1);
    for (const f of manifest.files) {
      expect(createHash('sha256').update(readFileSync(join(bundle, f.path))).digest('hex')).toBe(f.sha256);
    }
    expect(manifest.files.map((f) => f.path)).toContain('decoder_with_past.onnx');
  }, 120_000);
});
