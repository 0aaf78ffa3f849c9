// `pnpm bench:finetune`: the foundation-model claim, measured. The reference model
// (models/medgrade-cxr-tiny/1, pretrained without any pneumothorax) is fine-tuned on a small set
// of the held-out pneumothorax task, fully and with LoRA, and the same architecture is trained from
// scratch on the same set with the same step budget. All arms are scored on the same held-out
// studies, overall and per subgroup. Results: bench/out/finetune.json.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { REFERENCE, synth, trainer } from '../../scripts/model-reference.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const OUT = join(ROOT, 'bench/out/finetune');
const BASE = join(ROOT, 'models', REFERENCE.name, REFERENCE.version);

interface Summary {
  n: number;
  exactMatch: { value: number; ci95: [number, number] };
  macroF1: { value: number };
  findings: Record<string, { f1: number }>;
}
interface Evaluation {
  overall: Summary;
  subgroups: Record<string, Record<string, Summary>>;
}

const ARMS = {
  'finetune-full': (common: string[]) => trainer('finetune', [...common, '--base', BASE, '--method', 'full', '--lr', '1e-3']),
  'finetune-lora': (common: string[]) => trainer('finetune', [...common, '--base', BASE, '--method', 'lora', '--lr', '3e-3']),
  scratch: (common: string[]) => trainer('pretrain', [...common, '--lr', '3e-3']),
} as const;
type Arm = keyof typeof ARMS;

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`.padStart(7);
const ptxF1 = (s: Summary): number => ((s.findings.pneumothorax_right?.f1 ?? 0) + (s.findings.pneumothorax_left?.f1 ?? 0)) / 2;

function table(results: Record<string, Evaluation>): string {
  const arms = Object.keys(results);
  const lines = [`${'group'.padEnd(22)}${arms.map((a) => a.padStart(16)).join('')}`];
  const row = (label: string, pick: (e: Evaluation) => Summary | undefined, f: (s: Summary) => string): void => {
    lines.push(`${label.padEnd(22)}${arms.map((a) => { const s = pick(results[a]!); return (s ? f(s) : '-').padStart(16); }).join('')}`);
  };
  row('exact match', (e) => e.overall, (s) => `${pct(s.exactMatch.value)} [${pct(s.exactMatch.ci95[0]).trim()}-${pct(s.exactMatch.ci95[1]).trim()}]`);
  row('macro F1', (e) => e.overall, (s) => pct(s.macroF1.value));
  row('pneumothorax F1', (e) => e.overall, (s) => pct(ptxF1(s)));
  const first = results[arms[0]!]!;
  for (const [key, groups] of Object.entries(first.subgroups)) {
    for (const value of Object.keys(groups)) {
      row(`  ${key}=${value} (n=${groups[value]!.n})`, (e) => e.subgroups[key]?.[value], (s) => pct(s.exactMatch.value));
    }
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { train: { type: 'string', default: '200' }, test: { type: 'string', default: '300' }, steps: { type: 'string', default: '300' }, arms: { type: 'string', default: Object.keys(ARMS).join(',') } },
  });
  const arms = (values.arms ?? '').split(',') as Arm[];
  await rm(OUT, { recursive: true, force: true });
  await mkdir(OUT, { recursive: true });
  await synth(join(OUT, 'train'), Number(values.train), 11, 'pneumothorax');
  await synth(join(OUT, 'test'), Number(values.test), 12, 'pneumothorax');
  const results: Record<string, Evaluation> = {};
  const seconds: Record<string, number> = {};
  for (const arm of arms) {
    const common = ['--train', join(OUT, 'train/labels.jsonl'), '--val', join(OUT, 'test/labels.jsonl'), '--out', join(OUT, arm),
      '--steps', String(values.steps), '--batch-size', '32', '--seed', '1', '--warmup', '30', '--log-every', '50', '--checkpoint-every', '1000'];
    seconds[arm] = await ARMS[arm](common);
    results[arm] = JSON.parse(await readFile(join(OUT, arm, 'evaluation.json'), 'utf8')) as Evaluation;
  }
  const report = table(results);
  process.stdout.write(`\nfine-tuning on ${values.train} pneumothorax studies, ${values.steps} steps x 32, scored on ${values.test} held-out studies\n${report}\n`);
  process.stdout.write(`wall time per arm (s): ${JSON.stringify(seconds)}\n`);
  await writeFile(join(ROOT, 'bench/out/finetune.json'), JSON.stringify({ train: values.train, test: values.test, steps: values.steps, seconds, results }, null, 2));
}

await main();
