// The local executor: each attempt is the trainer as a child process of this machine (the default
// node pool `cpu`). What happens when the orchestrator dies: the child is started detached, in its
// own process group, with its output in a file, so it keeps training. The orchestrator that takes
// the job over re-attaches through pid@starttime (stored on the attempt row) and, since it cannot
// wait() for a process it did not start, reads the exit code the trainer writes to
// MEDGRADE_EXIT_FILE. A trainer that died with its machine leaves no exit record: that is a node
// failure, and the next attempt resumes from the last uploaded checkpoint. An orchestrator that died
// between starting a trainer and recording its handle leaves a trainer nobody knows of: submitting
// the same attempt again finds it by the exit-file path in its environment and adopts it, so an
// attempt never runs twice.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TRAINER_PATH } from '../attempt.spec.ts';
import { statusForExit, type AttemptHandle, type AttemptSpec, type AttemptStatus, type Executor } from '../executor.ts';
import { formatProcessId, groupLeadersWithEnv, isSameProcessAlive, parseProcessId, processStartTime } from './process.ts';

export interface LocalExecutorOptions {
  /** Each attempt gets `<workDir>/<jobId>/<attempt>/` (output.log, exit.json, handle.json, work/). */
  workDir: string;
  /** Added to every attempt's environment: the object-store credentials of this machine (TrainerRuntime.localEnv). */
  env?: Record<string, string>;
}

const HANDLE_FILE = 'handle.json';
const EXIT_FILE = 'exit.json';
const OUTPUT_FILE = 'output.log';

/** Runs attempts as detached child processes on this machine. */
export class LocalExecutor implements Executor {
  readonly kind = 'local' as const;
  readonly #workDir: string;
  readonly #env: Record<string, string>;
  /** Exits of children this process started (re-attached ones are read from their exit file). */
  readonly #exits = new Map<string, { code: number | null; signal: string | null }>();

  constructor(options: LocalExecutorOptions) {
    this.#workDir = options.workDir;
    this.#env = options.env ?? {};
  }

  /** The attempt's folder; the orchestrator points the trainer's work folder inside it. */
  attemptDir(jobId: string, attempt: number): string {
    return join(this.#workDir, jobId, String(attempt));
  }

  async submit(spec: AttemptSpec): Promise<AttemptHandle> {
    const dir = this.attemptDir(spec.jobId, spec.attempt);
    const existing = await readJson<AttemptHandle>(join(dir, HANDLE_FILE));
    if (existing) return existing; // submitted before (idempotent per attempt): never start it twice
    await mkdir(dir, { recursive: true });
    const exitFile = join(dir, EXIT_FILE);
    const unrecorded = await this.#unrecordedTrainer(exitFile);
    if (unrecorded) return this.#record(unrecorded, dir);
    await rm(exitFile, { force: true }); // left by an unrecorded run that has ended: this run writes its own
    const [command, ...args] = spec.command;
    if (!command) throw new Error('attempt command is empty');
    const output = openSync(join(dir, OUTPUT_FILE), 'a');
    let child: ChildProcess;
    try {
      child = spawn(command, args, {
        detached: true,
        stdio: ['ignore', output, output],
        env: { PATH: TRAINER_PATH, ...spec.env, ...this.#env, MEDGRADE_EXIT_FILE: exitFile },
      });
    } finally {
      closeSync(output);
    }
    const pid = await spawned(child);
    const startTime = await processStartTime(pid);
    if (startTime === null) throw new Error(`attempt process ${pid} vanished at start`);
    const handle: AttemptHandle = { kind: 'local', externalId: formatProcessId(pid, startTime) };
    child.once('exit', (code, signal) => this.#exits.set(handle.externalId, { code, signal }));
    child.unref();
    return this.#record(handle, dir);
  }

  /** Writes the handle where a restarted orchestrator finds it (attempt folder and pid index). */
  async #record(handle: AttemptHandle, dir: string): Promise<AttemptHandle> {
    await mkdir(join(this.#workDir, 'handles'), { recursive: true });
    await writeFile(this.#indexPath(handle.externalId), JSON.stringify({ dir }));
    await writeFile(join(dir, HANDLE_FILE), JSON.stringify(handle));
    return handle;
  }

  /** A live trainer of this attempt folder that no handle records (its starter died before writing one). */
  async #unrecordedTrainer(exitFile: string): Promise<AttemptHandle | undefined> {
    for (const pid of await groupLeadersWithEnv('MEDGRADE_EXIT_FILE', exitFile)) {
      const startTime = await processStartTime(pid);
      if (startTime !== null) return { kind: 'local', externalId: formatProcessId(pid, startTime) };
    }
    return undefined;
  }

  async status(handle: AttemptHandle): Promise<AttemptStatus> {
    const exit = this.#exits.get(handle.externalId);
    const recorded = await this.#exitRecord(handle);
    if (recorded !== undefined) return statusForExit(recorded);
    if (exit) return statusForExit(exit.code, exit.signal);
    if (await isSameProcessAlive(handle.externalId)) return { state: 'running', node: 'local' };
    return { state: 'stopped', cause: 'node', reason: 'the trainer process ended without an exit record (killed or its machine died)' };
  }

  async preempt(handle: AttemptHandle): Promise<void> {
    await this.#signal(handle, 'SIGTERM');
  }

  async cancel(handle: AttemptHandle): Promise<void> {
    await this.#signal(handle, 'SIGKILL');
  }

  async logs(handle: AttemptHandle, maxBytes = 64 * 1024): Promise<string> {
    const dir = await this.#dirOf(handle);
    const text = dir ? await readFile(join(dir, OUTPUT_FILE), 'utf8').catch(() => '') : '';
    return text.slice(-maxBytes);
  }

  async #signal(handle: AttemptHandle, signal: NodeJS.Signals): Promise<void> {
    if (!(await isSameProcessAlive(handle.externalId))) return; // already gone: nothing to stop
    const { pid } = parseProcessId(handle.externalId);
    try {
      process.kill(-pid, signal); // the whole group: the trainer and anything it started
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  }

  /** The exit code the trainer recorded, if this handle's attempt folder holds one. */
  async #exitRecord(handle: AttemptHandle): Promise<number | undefined> {
    const dir = await this.#dirOf(handle);
    const exit = dir ? await readJson<{ code: number }>(join(dir, EXIT_FILE)) : null;
    return exit?.code;
  }

  /** The attempt folder of a handle, through the index submit wrote (survives restarts). */
  async #dirOf(handle: AttemptHandle): Promise<string | undefined> {
    const index = await readJson<{ dir: string }>(this.#indexPath(handle.externalId));
    return index?.dir;
  }

  #indexPath(externalId: string): string {
    return join(this.#workDir, 'handles', `${externalId.replace('@', '-')}.json`);
  }
}

function spawned(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('spawn', () => (child.pid === undefined ? reject(new Error('no pid')) : resolve(child.pid)));
  });
}

async function readJson<T>(path: string): Promise<T | null> {
  const text = await readFile(path, 'utf8').catch(() => null);
  return text === null ? null : (JSON.parse(text) as T);
}
