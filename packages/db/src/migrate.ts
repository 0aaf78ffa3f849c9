import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { fileURLToPath } from 'node:url';
import { childProcessEnv } from '@medgrade/config';
import { chooseSchemaEngine, isEngineDownloadFailure, OFFLINE_ENGINE_BINARY, recordDownloadFailure } from '@medgrade/prisma-engine';

/** The repository root (prisma/ and prisma.config.ts live there). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export const MIGRATIONS_DIR = path.join(REPO_ROOT, 'prisma', 'migrations');

export interface PrismaRun {
  code: number;
  output: string;
}

function spawnPrisma(args: string[], env: NodeJS.ProcessEnv): Promise<PrismaRun> {
  const bin = path.join(REPO_ROOT, 'node_modules', '.bin', 'prisma');
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

/**
 * Run the Prisma CLI from the repository root against one database. Standard Prisma downloads its
 * native schema engine on first use; where it cannot (air-gapped networks), the run is repeated on
 * @medgrade/prisma-engine's offline engine and the checkout remembers the choice for a day.
 */
export async function runPrisma(args: string[], databaseUrl: string): Promise<PrismaRun> {
  const env = childProcessEnv({ DATABASE_URL: databaseUrl });
  const choice = chooseSchemaEngine(REPO_ROOT, env);
  if (choice.kind === 'offline') env.PRISMA_SCHEMA_ENGINE_BINARY = choice.binary;
  const run = await spawnPrisma(args, env);
  if (choice.kind !== 'try-native' || run.code === 0 || !isEngineDownloadFailure(run.output)) return run;
  recordDownloadFailure(REPO_ROOT);
  return spawnPrisma(args, { ...env, PRISMA_SCHEMA_ENGINE_BINARY: OFFLINE_ENGINE_BINARY });
}

/** The committed migrations with Prisma's checksum (SHA-256 of migration.sql), in order. */
async function committedMigrations(): Promise<{ name: string; checksum: string }[]> {
  const entries = await readdir(MIGRATIONS_DIR, { withFileTypes: true });
  const names = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  return Promise.all(names.map(async (name) => ({ name, checksum: createHash('sha256').update(await readFile(path.join(MIGRATIONS_DIR, name, 'migration.sql'))).digest('hex') })));
}

/**
 * True when the database has applied exactly the committed migrations, each finished, none rolled
 * back, each with the committed checksum: `migrate deploy` would have nothing to do. Anything
 * else (no migrations table, a pending, failed, edited or unknown migration) is false, and the
 * caller runs Prisma, which applies or reports it.
 */
export async function migrationsUpToDate(databaseUrl: string): Promise<boolean> {
  const committed = await committedMigrations();
  const client = new pg.Client({ connectionString: databaseUrl });
  try {
    await client.connect();
    const { rows } = await client.query<{ migration_name: string; checksum: string; done: boolean }>(
      'SELECT migration_name, checksum, finished_at IS NOT NULL AND rolled_back_at IS NULL AS done FROM _prisma_migrations',
    );
    const applied = new Map(rows.filter((r) => r.done).map((r) => [r.migration_name, r.checksum]));
    return rows.length === committed.length && committed.every((m) => applied.get(m.name) === m.checksum);
  } catch {
    return false; // no migrations table yet, or not reachable: Prisma says which
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Apply every committed migration (`prisma migrate deploy`); throws with Prisma's output on failure.
 * A database already up to date is recognised without starting Prisma's schema engine (seconds).
 */
export async function migrateDeploy(databaseUrl: string): Promise<void> {
  if (await migrationsUpToDate(databaseUrl)) return;
  const run = await runPrisma(['migrate', 'deploy'], databaseUrl);
  if (run.code !== 0) throw new Error(`prisma migrate deploy failed (exit ${run.code}):\n${run.output}`);
}
