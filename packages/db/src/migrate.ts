import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { childProcessEnv } from '@medgrade/config';

/** The repository root (prisma/ and prisma.config.ts live there). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export const MIGRATIONS_DIR = path.join(REPO_ROOT, 'prisma', 'migrations');

// Prisma's CLI downloads its native schema engine on first use. Where that is impossible (these
// machines, air-gapped hospitals) a WebAssembly stand-in may sit beside the checkout; use it only
// when nobody chose an engine explicitly, never as a requirement.
function prismaEnv(databaseUrl: string): NodeJS.ProcessEnv {
  const env = childProcessEnv({ DATABASE_URL: databaseUrl });
  const fallback = path.resolve(REPO_ROOT, '../shared/tools/prisma-wasm-engine/schema-engine');
  if (!env.PRISMA_SCHEMA_ENGINE_BINARY && existsSync(fallback)) env.PRISMA_SCHEMA_ENGINE_BINARY = fallback;
  return env;
}

export interface PrismaRun {
  code: number;
  output: string;
}

/** Run the Prisma CLI from the repository root against one database. */
export function runPrisma(args: string[], databaseUrl: string): Promise<PrismaRun> {
  const bin = path.join(REPO_ROOT, 'node_modules', '.bin', 'prisma');
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd: REPO_ROOT, env: prismaEnv(databaseUrl), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

/** Apply every committed migration (`prisma migrate deploy`); throws with Prisma's output on failure. */
export async function migrateDeploy(databaseUrl: string): Promise<void> {
  const run = await runPrisma(['migrate', 'deploy'], databaseUrl);
  if (run.code !== 0) throw new Error(`prisma migrate deploy failed (exit ${run.code}):\n${run.output}`);
}
