// Validation before any GPU time: the trainer's own `validate` subcommand, run on this machine's
// CPU. Exit 65 is bad input with a typed code the job fails with; anything else unexpected is the
// platform's fault and is reported as such (the job fails with VALIDATION_ERROR, never retried
// forever).
import { spawn } from 'node:child_process';
import { TRAINER_EXIT } from './executor.ts';
import { localTrainerEnv, trainerCommand, validateSpec, type JobInput, type TrainerRuntime } from './attempt.spec.ts';

export type ValidationResult =
  | { ok: true; summary: Record<string, unknown> }
  | { ok: false; code: string; message: string; details?: unknown };

/** Checks a job's input; the orchestrator passes one in (tests pass the real one too). */
export interface InputValidator {
  validate(job: JobInput): Promise<ValidationResult>;
}

interface Line {
  event?: string;
  code?: string;
  message?: string;
  details?: unknown;
  [k: string]: unknown;
}

function lastEvent(stdout: string): Line | undefined {
  const lines = stdout.split('\n').filter((l) => l.startsWith('{'));
  for (const line of lines.reverse()) {
    try {
      return JSON.parse(line) as Line;
    } catch {
      continue;
    }
  }
  return undefined;
}

/** Runs `python -m medgrade_trainer validate` as a child process. */
export class TrainerValidator implements InputValidator {
  readonly #runtime: TrainerRuntime;
  readonly #timeoutMs: number;

  constructor(runtime: TrainerRuntime, timeoutMs = 300_000) {
    this.#runtime = runtime;
    this.#timeoutMs = timeoutMs;
  }

  validate(job: JobInput): Promise<ValidationResult> {
    const [command, ...args] = trainerCommand(this.#runtime, 'validate', validateSpec(job));
    return new Promise((resolve, reject) => {
      const child = spawn(command!, args, { env: localTrainerEnv(this.#runtime), stdio: ['ignore', 'pipe', 'pipe'], timeout: this.#timeoutMs });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
      child.once('error', reject);
      child.once('close', (code) => {
        const last = lastEvent(stdout);
        if (code === 0 && last?.event === 'done') {
          const { event: _e, time: _t, mode: _m, ...summary } = last;
          resolve({ ok: true, summary });
        } else if (code === TRAINER_EXIT.badInput && last?.event === 'error') {
          resolve({ ok: false, code: last.code ?? 'INPUT_INVALID', message: last.message ?? 'the trainer refused its input', ...(last.details ? { details: last.details } : {}) });
        } else {
          resolve({ ok: false, code: 'VALIDATION_ERROR', message: `the trainer's validation did not finish (exit ${code}): ${stderr.split('\n').filter(Boolean).at(-1) ?? ''}`.slice(0, 500) });
        }
      });
    });
  }
}
