// Worker thread of `medgrade deid`: de-identifies the batches of files the main thread sends, one
// file at a time, and answers each batch with the outcomes (codes only: paths stay in the main
// thread, values never leave).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import type { BurnedInPolicy, DeidOptions } from '@medgrade/deid';
import { DeidError, deidentify } from '@medgrade/deid';
import { outputBuffer, readInput } from './deid.buffers.ts';

/** What the main thread passes at start. */
export interface DeidThreadData {
  secretHex: string;
  options: DeidOptions;
  policy: BurnedInPolicy;
}

/** One file to process. */
export interface DeidJob {
  input: string;
  output: string;
}

/** Outcome of one file: written, rejected (typed refusal of the input) or failed. */
export interface DeidJobResult {
  status: 'deidentified' | 'rejected' | 'failed';
  bytes: number;
  code?: string;
}

// A verification failure means the engine produced PHI: that is a failure, not a refusal of input.
const FAILURE_CODES = new Set(['VERIFICATION_FAILED', 'BAD_SECRET']);

const { secretHex, options, policy } = workerData as DeidThreadData;
const secret = Buffer.from(secretHex, 'hex');

// Output folders this thread has made: one mkdir per folder, not per file.
const made = new Set<string>();

function handle(job: DeidJob): DeidJobResult {
  let bytes = 0;
  try {
    const input = readInput(job.input);
    bytes = input.length;
    const { output } = deidentify(input, options, { secret, burnedInPolicy: policy, outputInto: outputBuffer(input.length) });
    const folder = dirname(job.output);
    if (!made.has(folder)) {
      mkdirSync(folder, { recursive: true });
      made.add(folder);
    }
    writeFileSync(job.output, output);
    return { status: 'deidentified', bytes };
  } catch (err) {
    if (err instanceof DeidError) return { status: FAILURE_CODES.has(err.code) ? 'failed' : 'rejected', bytes, code: err.code };
    const code = err instanceof Error && 'code' in err ? String(err.code) : 'INTERNAL';
    return { status: 'failed', bytes, code };
  }
}

parentPort?.on('message', (batch: DeidJob[]) => parentPort?.postMessage(batch.map(handle)));
// Modules are loaded: the main thread starts its clock now, so "ms" excludes start-up.
parentPort?.postMessage('ready');
