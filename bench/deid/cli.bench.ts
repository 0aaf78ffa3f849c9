// bench/deid/cli: `medgrade deid` as a whole process (start-up, worker threads on every core, read,
// de-identify, write) against dcmodify doing the same Table E.1-1 work on the same 2,000 copies of a
// real 130 KB MR slice, interleaved for several rounds in the same run. The CLI is started exactly as
// the root package.json's `medgrade` script starts it, so whatever that runs (tsx or compiled
// JavaScript) is what is measured. Target (issue 15.5): >= 2.5x dcmodify, best rounds.
// Run: pnpm bench:deid-cli [--files N] [--rounds R] [--command 'node ... main.ts'] (another command line to start the CLI)
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { delimiter, join } from 'node:path';
import { parseArgs } from 'node:util';
import { dcmodifyArgs, files, prepare, ROOT } from './corpus.ts';

const WORK = join(ROOT, 'bench/out/deid-cli');
const TARGET_RATIO = 2.5;
const SECRET = '07'.repeat(32);

/** Wall seconds of one command, which must exit 0 (dcmodify: 0 or 1, its warnings). */
function timedRun(command: string, args: string[], okCodes: number[]): number {
  const start = performance.now();
  const env = { ...process.env, PATH: `${join(ROOT, 'node_modules/.bin')}${delimiter}${process.env.PATH ?? ''}` };
  const run = spawnSync(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  const seconds = (performance.now() - start) / 1000;
  if (!okCodes.includes(run.status ?? -1)) throw new Error(`${command} exited ${run.status}: ${run.stderr.toString().slice(0, 500)}`);
  return seconds;
}

/** The root `medgrade` script's command line (what `pnpm medgrade` runs), with our arguments. */
function medgradeCommand(): string {
  if (args.command !== undefined) return args.command;
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const script = pkg.scripts.medgrade;
  if (script === undefined) throw new Error('package.json has no medgrade script');
  return script;
}

function ours(input: string, count: number): number {
  const out = join(WORK, 'ours');
  rmSync(out, { recursive: true, force: true });
  const seconds = timedRun('sh', ['-c', `${medgradeCommand()} deid "$0" --out "$1" --secret ${SECRET}`, input, out], [0]);
  const written = files(out).length;
  if (written !== count) throw new Error(`medgrade deid wrote ${written} of ${count} files`);
  return seconds;
}

function dcmodify(input: string): number {
  const dir = join(WORK, 'dcmodify');
  rmSync(dir, { recursive: true, force: true });
  cpSync(input, dir, { recursive: true }); // dcmodify edits in place: it gets its own copies (untimed)
  return timedRun('dcmodify', [...dcmodifyArgs(), ...files(dir)], [0, 1]);
}

const { values: args } = parseArgs({ options: { files: { type: 'string', default: '2000' }, rounds: { type: 'string', default: '3' }, command: { type: 'string' } } });

function main(): void {
  const values = args;
  const count = Number(values.files);
  const input = join(WORK, 'input');
  prepare(input, count);
  console.log(`medgrade deid (${medgradeCommand()}) vs dcmodify, ${count} files, ${values.rounds} rounds, load ${loadavg()[0]?.toFixed(1)}`);
  const rounds: [number, number][] = [];
  for (let r = 0; r < Number(values.rounds); r++) {
    const pair: [number, number] = [ours(input, count), dcmodify(input)];
    rounds.push(pair);
    console.log(`round ${r + 1}: medgrade ${pair[0].toFixed(2)} s (${(count / pair[0]).toFixed(0)} files/s), dcmodify ${pair[1].toFixed(2)} s (${(count / pair[1]).toFixed(0)} files/s), ratio ${(pair[1] / pair[0]).toFixed(2)}x`);
  }
  const bestOurs = Math.min(...rounds.map((p) => p[0]));
  const bestPeer = Math.min(...rounds.map((p) => p[1]));
  const ratio = bestPeer / bestOurs;
  console.log(`medgrade deid (whole process) >= ${TARGET_RATIO}x dcmodify (best rounds): ${ratio >= TARGET_RATIO ? 'MET' : 'NOT MET'} (${ratio.toFixed(2)}x; medgrade ${(count / bestOurs).toFixed(0)} files/s, dcmodify ${(count / bestPeer).toFixed(0)} files/s; load ${loadavg()[0]?.toFixed(1)})`);
}

main();
