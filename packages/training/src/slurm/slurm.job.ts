// Builds an attempt's sbatch request and reads Slurm's answer back into an AttemptStatus.
// Pure functions: tested over `scontrol show job --oneliner` output recorded on the dev cluster.
//
// What Slurm 22.05 reports (recorded, see fixtures/): an operator's scancel → CANCELLED (whatever
// the trainer's exit code); preemption by a higher PriorityTier partition with PreemptMode=CANCEL
// → the job step gets SIGTERM at once, the trainer checkpoints and exits 75 within GraceTime, and
// the job ends FAILED 75:0 with PreemptTime set (or PREEMPTED when the kill came first); a process
// killed on the node → FAILED `0:9` (batch script killed) or `137:0` (job step killed, srun exits
// 128+9); bad input → FAILED 65:0.
import type { SlurmPoolSettings } from '@medgrade/contracts';
import { TRAINER_EXIT, type AttemptSpec, type AttemptStatus } from '../executor.ts';

export interface SbatchRequest {
  args: string[];
  script: string;
}

/** The Slurm job name of an attempt: how a resubmission finds the job it already started. */
export function slurmJobName(spec: Pick<AttemptSpec, 'jobId' | 'attempt'>): string {
  return `mg-${spec.jobId}-a${spec.attempt}`;
}

/** The per-attempt batch output file. */
export function slurmLogPath(settings: SlurmPoolSettings, spec: Pick<AttemptSpec, 'jobId' | 'attempt'>): string {
  return `${settings.logDir.replace(/\/+$/, '')}/${spec.jobId}-attempt-${spec.attempt}.log`;
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function buildSbatch(spec: AttemptSpec, settings: SlurmPoolSettings): SbatchRequest {
  const args = [
    `--job-name=${slurmJobName(spec)}`,
    `--comment=medgrade job ${spec.jobId} attempt ${spec.attempt}`,
    // The orchestrator owns requeue: a new attempt is a new job with its own log.
    '--no-requeue',
    `--partition=${settings.partition}`,
    `--output=${slurmLogPath(settings, spec)}`,
    `--chdir=${settings.logDir}`,
    '--ntasks=1',
  ];
  if (settings.account) args.push(`--account=${settings.account}`);
  if (settings.qos) args.push(`--qos=${settings.qos}`);
  if (settings.cpusPerTask) args.push(`--cpus-per-task=${settings.cpusPerTask}`);
  if (spec.gpus > 0) args.push(`--gres=gpu:${settings.gresType ? `${settings.gresType}:` : ''}${spec.gpus}`);
  if (spec.timeLimitSeconds) {
    args.push(`--time=${Math.ceil(spec.timeLimitSeconds / 60)}`);
    // Sent to the job step (the trainer) so it checkpoints before the limit.
    args.push(`--signal=TERM@${Math.min(settings.signalBeforeLimitSeconds, spec.timeLimitSeconds)}`);
  }
  return { args, script: batchScript(spec) };
}

function batchScript(spec: AttemptSpec): string {
  const bad = Object.keys(spec.env).find((k) => !ENV_KEY.test(k));
  if (bad) throw new Error(`attempt env key ${JSON.stringify(bad)} is not a variable name`);
  if (spec.command.length === 0) throw new Error('attempt command is empty');
  const exports = Object.entries(spec.env).map(([k, v]) => `export ${k}=${shellQuote(v)}`);
  // The trainer runs as a job step (srun): on preemption Slurm signals job steps at once and
  // waits GraceTime, while a bare batch script is signalled only when it is killed.
  return [
    '#!/bin/bash',
    `# medgrade fine-tune ${spec.jobId} attempt ${spec.attempt} (pool ${spec.nodePool})`,
    ...exports,
    `exec srun --ntasks=1 -- ${spec.command.map(shellQuote).join(' ')}`,
    '',
  ].join('\n');
}

/** `scontrol show job --oneliner` as key → value (values may hold spaces, e.g. Comment). */
export function parseScontrolJob(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  const re = /(?:^|\s)([A-Za-z][A-Za-z0-9_:/]*)=/g;
  const marks: Array<{ key: string; start: number; valueStart: number }> = [];
  for (let m = re.exec(text); m; m = re.exec(text)) {
    marks.push({ key: m[1], start: m.index, valueStart: m.index + m[0].length });
  }
  marks.forEach((mark, i) => {
    const end = i + 1 < marks.length ? marks[i + 1].start : text.length;
    fields[mark.key] = text.slice(mark.valueStart, end).trim();
  });
  return fields;
}

function exitCode(field: string | undefined): { code: number; signal: number } {
  const [code, signal] = (field ?? '0:0').split(':').map((n) => Number.parseInt(n, 10) || 0);
  return { code, signal: signal ?? 0 };
}

const PENDING = new Set(['PENDING', 'CONFIGURING', 'REQUEUED', 'REQUEUE_HOLD', 'REQUEUE_FED', 'RESIZING', 'SUSPENDED', 'STOPPED']);
const RUNNING = new Set(['RUNNING', 'COMPLETING', 'SIGNALING', 'STAGE_OUT']);
const NODE = new Set(['NODE_FAIL', 'BOOT_FAIL', 'OUT_OF_MEMORY', 'LAUNCH_FAILED']);

/** Maps Slurm's view of one job to the executor's status. */
export function slurmStatus(fields: Record<string, string>): AttemptStatus {
  const state = (fields.JobState ?? 'UNKNOWN').split(/[+ ]/)[0];
  const reason = fields.Reason && fields.Reason !== 'None' ? fields.Reason : undefined;
  const { code, signal } = exitCode(fields.ExitCode);
  if (PENDING.has(state)) return { state: 'pending', reason: reason ?? state.toLowerCase() };
  if (RUNNING.has(state)) return { state: 'running', node: fields.NodeList || undefined };
  if (state === 'COMPLETED') return { state: 'succeeded' };
  if (state === 'CANCELLED') return { state: 'stopped', cause: 'cancelled', reason: 'cancelled in Slurm (scancel)', exitCode: code };
  if (state === 'PREEMPTED') return { state: 'stopped', cause: 'preempted', reason: 'preempted by Slurm', exitCode: code };
  if (state === 'TIMEOUT') return { state: 'stopped', cause: 'preempted', reason: 'reached its Slurm time limit (checkpoint requested by --signal)', exitCode: code };
  if (NODE.has(state)) return { state: 'stopped', cause: 'node', reason: `Slurm job state ${state}${reason ? ` (${reason})` : ''}`, exitCode: code };
  if (state === 'FAILED') return failed(fields, code, signal);
  return { state: 'stopped', cause: 'unknown', reason: `Slurm job state ${state}`, exitCode: code };
}

function failed(fields: Record<string, string>, code: number, signal: number): AttemptStatus {
  const preemptedBySlurm = fields.PreemptTime !== undefined && fields.PreemptTime !== 'None';
  if (signal > 0) return { state: 'stopped', cause: 'node', reason: `killed by signal ${signal} on ${fields.NodeList || 'its node'}`, exitCode: 128 + signal };
  // The trainer runs under srun: a step killed by signal N makes srun (the batch script) exit 128+N.
  if (code > 128 && code <= 128 + 64) return { state: 'stopped', cause: 'node', reason: `the trainer was killed by signal ${code - 128} on ${fields.NodeList || 'its node'}`, exitCode: code };
  if (code === TRAINER_EXIT.preempted) {
    const reason = preemptedBySlurm ? 'preempted by Slurm; the trainer checkpointed and exited 75' : 'the trainer checkpointed after SIGTERM and exited 75';
    return { state: 'stopped', cause: 'preempted', reason, exitCode: code };
  }
  if (code === TRAINER_EXIT.badInput) return { state: 'stopped', cause: 'input', reason: 'the trainer refused its input (exit 65)', exitCode: code };
  return { state: 'stopped', cause: 'unknown', reason: `the attempt exited with code ${code}`, exitCode: code };
}
