import { spawn } from 'node:child_process';
import path from 'node:path';
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

/** Apply every committed migration (`prisma migrate deploy`); throws with Prisma's output on failure. */
export async function migrateDeploy(databaseUrl: string): Promise<void> {
  const run = await runPrisma(['migrate', 'deploy'], databaseUrl);
  if (run.code !== 0) throw new Error(`prisma migrate deploy failed (exit ${run.code}):\n${run.output}`);
}
