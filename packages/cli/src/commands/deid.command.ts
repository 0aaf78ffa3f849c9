import { readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';

import type { BurnedInPolicy, DeidOptions } from '@medgrade/deid';
// Only the options: the engine itself loads in the worker threads, not here.
import { resolveOptions } from '@medgrade/deid/options';
import { UsageError, type Command } from '../command.ts';
import type { DeidJob, DeidJobResult, DeidThreadData } from './deid.thread.ts';

const POLICIES: readonly BurnedInPolicy[] = ['reject', 'quarantine', 'flag'];

interface Summary {
  files: number;
  deidentified: number;
  rejected: number;
  failed: number;
  bytes: number;
  ms: number;
}

/** Input files with their mirrored output paths: a directory's tree is recreated under --out. */
export function plan(inputs: readonly string[], out: string): DeidJob[] {
  const jobs: DeidJob[] = [];
  const walk = (root: string, dir: string): void => {
    // Entry types come with the listing: a stat per file only for links (followed, as before).
    const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isSymbolicLink() ? statSync(path).isDirectory() : entry.isDirectory()) walk(root, path);
      else jobs.push({ input: path, output: join(out, relative(root, path)) });
    }
  };
  for (const input of inputs.map((i) => resolve(i))) {
    if (statSync(input).isDirectory()) walk(input, input);
    else jobs.push({ input, output: join(out, basename(input)) });
  }
  return jobs;
}

function parseOptions(json: string | undefined): DeidOptions {
  if (json === undefined) return resolveOptions();
  try {
    return resolveOptions(JSON.parse(json) as Partial<DeidOptions>);
  } catch {
    throw new UsageError('--options must be a JSON object of DeidOptions fields');
  }
}

function secretHex(flag: string | undefined, configured: Buffer): string {
  if (flag === undefined) return configured.toString('hex');
  if (!/^([0-9a-f]{2}){16,}$/i.test(flag)) throw new UsageError('--secret must be at least 16 bytes as hex');
  return flag;
}

/** A worker thread running deid.thread.ts (Node strips its types itself: no transpiler per worker). */
function startThread(data: DeidThreadData): Worker {
  return new Worker(new URL('./deid.thread.ts', import.meta.url), { workerData: data });
}

// Files per message to a worker: a round trip per file costs about as much as a tenth of a file's
// work; batches shrink towards the end so that the threads finish together.
const MAX_BATCH = 16;

function nextBatch(jobs: DeidJob[], from: number, threads: number): DeidJob[] {
  const size = Math.max(1, Math.min(MAX_BATCH, Math.floor((jobs.length - from) / (threads * 4))));
  return jobs.slice(from, from + size);
}

/** Runs the jobs on one worker thread per core, each taking the next batch when it is done. */
async function runPool(jobs: DeidJob[], data: DeidThreadData, stderr: { write(t: string): unknown }): Promise<Summary> {
  const size = Math.max(1, Math.min(availableParallelism(), jobs.length));
  const workers = Array.from({ length: size }, () => startThread(data));
  await Promise.all(workers.map((w) => new Promise((ok, fail) => w.once('message', ok).once('error', fail))));
  const summary: Summary = { files: jobs.length, deidentified: 0, rejected: 0, failed: 0, bytes: 0, ms: 0 };
  const started = performance.now();
  let next = 0;
  const drain = (w: Worker): Promise<void> =>
    new Promise((done, fail) => {
      const send = (): void => {
        const batch = nextBatch(jobs, next, size);
        next += batch.length;
        if (batch.length === 0) return done();
        w.once('message', (results: DeidJobResult[]) => {
          results.forEach((r, i) => {
            summary[r.status]++;
            summary.bytes += r.bytes;
            if (r.status !== 'deidentified') stderr.write(`${r.status}: ${batch[i]?.input} (${r.code})\n`);
          });
          send();
        });
        w.postMessage(batch);
      };
      w.once('error', fail);
      send();
    });
  try {
    await Promise.all(workers.map(drain));
  } finally {
    summary.ms = Math.round(performance.now() - started);
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return summary;
}

/** `medgrade deid`: de-identifies files and folders into --out (mirrored), all cores, one JSON summary line. */
export const deidCommand: Command = {
  usage: 'medgrade deid <file-or-dir>... --out <dir> [--secret <hex>] [--options <json>] [--burned-in reject|quarantine|flag]',
  async run(args, { config, stdout, stderr }) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { out: { type: 'string' }, secret: { type: 'string' }, options: { type: 'string' }, 'burned-in': { type: 'string' } },
    });
    if (!values.out) throw new UsageError('--out is required');
    if (positionals.length === 0) throw new UsageError('give at least one file or directory');
    const policy = (values['burned-in'] ?? 'flag') as BurnedInPolicy;
    if (!POLICIES.includes(policy)) throw new UsageError(`--burned-in must be one of ${POLICIES.join(', ')}`);
    const data: DeidThreadData = {
      secretHex: secretHex(values.secret, config.secrets.projectSecretKeyBytes),
      options: parseOptions(values.options),
      policy,
    };
    const jobs = plan(positionals, resolve(values.out));
    const summary = jobs.length === 0 ? { files: 0, deidentified: 0, rejected: 0, failed: 0, bytes: 0, ms: 0 } : await runPool(jobs, data, stderr);
    stdout.write(`${JSON.stringify(summary)}\n`);
    return summary.failed > 0 ? 1 : 0;
  },
};
