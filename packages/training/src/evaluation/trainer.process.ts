// The trainer (services/trainer, `python -m medgrade_trainer`) as a child process on this host, for
// the evaluation gate's `evaluate` and `export` runs (CPU). Its stdout is one JSON event per line
// and ends with `done` or `error`; stderr is kept (tail) for the failure message. An abort sends
// SIGTERM and rejects with EvaluationError ABORTED.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { EvaluationError } from './evaluation.errors.ts';
import type { TrainerRunner } from './evaluation.ports.ts';

export interface TrainerProcessOptions {
  /** Python with torch, numpy, pydicom and onnx (Debian: /usr/bin/python3). */
  python: string;
  /** services/trainer (the folder holding the medgrade_trainer package). */
  trainerDir: string;
  /** torch threads per run (1 avoids OpenMP stalls on shared CPUs). */
  threads?: number;
}

const STDERR_TAIL = 4000;

export class TrainerProcess implements TrainerRunner {
  readonly #options: TrainerProcessOptions;

  constructor(options: TrainerProcessOptions) {
    this.#options = options;
  }

  run(mode: 'evaluate' | 'export', args: string[], signal?: AbortSignal): Promise<Record<string, unknown>> {
    if (signal?.aborted) return Promise.reject(new EvaluationError('ABORTED', `trainer ${mode} aborted before it started`, true));
    const argv = ['-m', 'medgrade_trainer', mode, ...args, '--threads', String(this.#options.threads ?? 1)];
    const child = spawn(this.#options.python, argv, { cwd: this.#options.trainerDir, stdio: ['ignore', 'pipe', 'pipe'] });
    const onAbort = (): void => void child.kill('SIGTERM');
    signal?.addEventListener('abort', onAbort, { once: true });
    let last: Record<string, unknown> | undefined;
    let stderr = '';
    createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        const event = JSON.parse(line) as Record<string, unknown>;
        if (event.event === 'done' || event.event === 'error') last = event;
      } catch {
        stderr = `${stderr}${line}\n`.slice(-STDERR_TAIL);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_TAIL)));
    return new Promise((resolve, reject) => {
      child.on('error', (e) => reject(new EvaluationError('TRAINER_FAILED', `could not start ${this.#options.python}: ${e.message}`, false, { cause: e })));
      child.on('close', (code) => {
        signal?.removeEventListener('abort', onAbort);
        if (signal?.aborted) return reject(new EvaluationError('ABORTED', `trainer ${mode} aborted`, true));
        if (code === 0 && last?.event === 'done') return resolve(last);
        const reason = last?.event === 'error' ? `${String(last.type)}: ${String(last.message)}` : `exit code ${code}`;
        reject(new EvaluationError('TRAINER_FAILED', `trainer ${mode} failed (${reason}); stderr tail: ${stderr.slice(-800)}`, false));
      });
    });
  }
}
