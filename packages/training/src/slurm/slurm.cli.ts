// The only module that runs Slurm's commands (STYLE.md 17). Everything else talks to `SlurmCli`,
// so the executor's logic is tested over recorded `scontrol` output without a cluster.
//
// Why the CLI and not slurmrestd or sacct: slurmrestd needs JWT auth and a separate daemon that
// most research clusters do not expose to outside services, while sbatch/squeue/scontrol/scancel
// exist on every submit host. sacct needs slurmdbd (accounting), which many clusters — and the
// dev cluster — do not run; `scontrol show job` reports state, reason and exit code for as long as
// the controller keeps the job (MinJobAge), and the attempt's own outcome also reaches the object
// store through its event lines.
import { execFile } from 'node:child_process';

/** Slurm's commands as the executor needs them. */
export interface SlurmCli {
  /** `sbatch --parsable <args>` with the batch script on stdin; returns the job id. */
  sbatch(args: string[], script: string): Promise<string>;
  /** `scontrol show job <id> --oneliner`; null when the controller no longer knows the job. */
  showJob(jobId: string): Promise<string | null>;
  /** Ids of the jobs with this name in any state the controller still remembers. */
  jobsNamed(name: string): Promise<string[]>;
  /** `scancel <args> <id>`. */
  scancel(jobId: string, args?: string[]): Promise<void>;
}

export class SlurmCommandError extends Error {
  readonly command: string;
  readonly stderr: string;
  constructor(command: string, stderr: string) {
    super(`${command} failed: ${stderr.trim().slice(0, 500)}`);
    this.command = command;
    this.stderr = stderr;
    this.name = 'SlurmCommandError';
  }
}

interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

function run(bin: string, args: string[], stdin?: string, timeoutMs = 30_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(bin, args, { timeout: timeoutMs, maxBuffer: 4 << 20 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') {
        const hint = err.code === 'ENOENT' ? ` (${bin} not found: install slurm-client, or start the dev cluster with \`pnpm slurm:dev\`)` : '';
        reject(new SlurmCommandError(bin, `${err.message}${hint}`));
        return;
      }
      resolve({ stdout, stderr, code: err ? Number(err.code) : 0 });
    });
    if (stdin !== undefined) child.stdin?.end(stdin);
  });
}

/** The real CLI; `binDir` when the commands are not on PATH. */
export function createSlurmCli(options: { binDir?: string; timeoutMs?: number } = {}): SlurmCli {
  const bin = (name: string) => (options.binDir ? `${options.binDir}/${name}` : name);
  const exec = async (name: string, args: string[], stdin?: string) => {
    const result = await run(bin(name), args, stdin, options.timeoutMs);
    if (result.code !== 0) throw new SlurmCommandError(`${name} ${args[0] ?? ''}`.trim(), result.stderr);
    return result.stdout;
  };
  return {
    async sbatch(args, script) {
      const out = await exec('sbatch', ['--parsable', ...args], script);
      // --parsable prints "<id>" or "<id>;<cluster>".
      const id = out.trim().split(';')[0];
      if (!/^\d+$/.test(id)) throw new SlurmCommandError('sbatch', `unexpected output ${JSON.stringify(out.slice(0, 200))}`);
      return id;
    },
    async showJob(jobId) {
      const result = await run(bin('scontrol'), ['show', 'job', jobId, '--oneliner'], undefined, options.timeoutMs);
      if (result.code === 0) return result.stdout;
      if (/Invalid job id/i.test(result.stderr)) return null;
      throw new SlurmCommandError('scontrol show job', result.stderr);
    },
    async jobsNamed(name) {
      const out = await exec('squeue', ['--noheader', '--states=all', `--name=${name}`, '--format=%i']);
      return out.split('\n').map((l) => l.trim()).filter(Boolean);
    },
    async scancel(jobId, args = []) {
      await exec('scancel', [...args, jobId]);
    },
  };
}
