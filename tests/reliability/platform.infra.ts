// Private infrastructure for the fault suite and the load bench: a PostgreSQL cluster of its own
// (initdb into a temp folder, run as the `postgres` user because initdb refuses root), a
// redis-server of its own (no persistence) and the repo's s3rver behind an HTTP proxy that can
// refuse writes (startRefusingS3, from @medgrade/storage/testing). The shared Postgres and Redis on
// 5432/6379 serve other tests in parallel and are never touched: only these private copies are
// restarted.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRefusingS3, type RefusingS3 } from '../../packages/storage/src/testing/s3-server.ts';
import { freePort } from '../../services/gateway/test/inference.harness.ts';

export { freePort, startRefusingS3, type RefusingS3 };

const PG_BIN = (() => {
  const found = spawnSync('bash', ['-c', 'ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1'], { encoding: 'utf8' }).stdout.trim();
  if (!found) throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql/*/bin: install postgresql (scripts/system-packages.txt)');
  return found;
})();

function asPostgres(args: string[]): void {
  // initdb and postgres refuse to run as root; the Debian package's `postgres` user owns the folder.
  const run = process.getuid?.() === 0 ? spawnSync('runuser', ['-u', 'postgres', '--', ...args], { encoding: 'utf8' }) : spawnSync(args[0]!, args.slice(1), { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`${args[0]} failed (exit ${run.status}): ${run.stderr || run.stdout}`);
}

/** A PostgreSQL cluster of this process's own. */
export interface PrivatePostgres {
  /** Superuser URL of database `medgrade` (create it before use). */
  url: string;
  port: number;
  /** `pg_ctl stop -m fast` (every connection is cut), down for downMs, then started again. */
  restart(downMs?: number): Promise<void>;
  close(): void;
}

/** initdb into a temp folder and start the server on a free loopback port (fsync off: test data). */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'medgrade-pg-'));
  if (process.getuid?.() === 0) chownSync(dir, Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout), Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout));
  const port = await freePort();
  const data = join(dir, 'data');
  asPostgres([join(PG_BIN, 'initdb'), '-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=200`;
  const ctl = (...args: string[]) => asPostgres([join(PG_BIN, 'pg_ctl'), '-D', data, '-l', join(dir, 'log'), '-w', ...args]);
  ctl('-o', options, 'start');
  // pg_ctl daemonizes the server: stop it even when the test process exits without closing.
  const onExit = () => {
    try {
      ctl('-m', 'immediate', 'stop');
    } catch {
      // already stopped
    }
  };
  process.once('exit', onExit);
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/medgrade`,
    port,
    async restart(downMs = 2_000) {
      ctl('-m', 'fast', 'stop');
      await new Promise((r) => setTimeout(r, downMs));
      ctl('-o', options, 'start');
    },
    close() {
      process.off('exit', onExit);
      try {
        ctl('-m', 'immediate', 'stop');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** A redis-server of this process's own, without persistence: a restart loses every key. */
export interface PrivateRedis {
  url: string;
  /** Stops the server (SIGTERM, nothing saved), waits downMs and starts an empty one on the same port. */
  restart(downMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess;
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`redis-server exited (code ${code}) before it was ready`)));
      child.stdout!.on('data', (d: Buffer) => {
        if (d.toString().includes('Ready to accept connections')) resolve();
      });
    });
  };
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    async restart(downMs = 2_000) {
      await stop();
      await new Promise((r) => setTimeout(r, downMs));
      await start();
    },
    close: stop,
  };
}
