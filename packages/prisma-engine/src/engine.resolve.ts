import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Which schema engine Prisma's CLI should run. Standard Prisma downloads its native engine on first
// use; where that download cannot happen (air-gapped networks, these machines) the CLI fails. The
// choice, in order:
//   1. PRISMA_SCHEMA_ENGINE_BINARY set by the operator: always respected.
//   2. A native engine already downloaded next to @prisma/engines: standard Prisma.
//   3. A recent record that the download failed on this checkout: the offline engine.
//   4. Otherwise try standard Prisma; the caller falls back (and records it) when the output shows
//      that the engine download failed.

/** The executable Prisma runs as its schema engine when the native one cannot be downloaded. */
export const OFFLINE_ENGINE_BINARY = fileURLToPath(new URL('../bin/schema-engine', import.meta.url));

/** How long a failed download keeps this checkout on the offline engine before trying again. */
const OFFLINE_RECORD_TTL_MS = 24 * 60 * 60 * 1000;

export type EngineChoice =
  | { kind: 'explicit'; binary: string }
  | { kind: 'native' }
  | { kind: 'offline'; binary: string }
  | { kind: 'try-native' };

/** node-fetch's wording when Prisma's engine download cannot reach its server. */
const DOWNLOAD_FAILED = /request to \S+ failed, reason:|Failed to fetch (the )?(engine|sha256 checksum)/i;

/** True when Prisma's CLI output says its engine download failed (not a database error). */
export function isEngineDownloadFailure(output: string): boolean {
  return DOWNLOAD_FAILED.test(output);
}

function recordFile(repoRoot: string): string {
  return path.join(repoRoot, 'node_modules', '.cache', 'medgrade', 'prisma-engine.json');
}

function nativeEngineDownloaded(repoRoot: string): boolean {
  try {
    const fromPrisma = createRequire(createRequire(path.join(repoRoot, 'package.json')).resolve('prisma/package.json'));
    const enginesDir = path.dirname(fromPrisma.resolve('@prisma/engines/package.json'));
    return readdirSync(enginesDir).some((name) => name.startsWith('schema-engine-'));
  } catch {
    return false;
  }
}

function offlineRecorded(repoRoot: string, now: number): boolean {
  const file = recordFile(repoRoot);
  if (!existsSync(file)) return false;
  try {
    const { failedAt } = JSON.parse(readFileSync(file, 'utf8')) as { failedAt: number };
    return now - failedAt < OFFLINE_RECORD_TTL_MS;
  } catch {
    return false;
  }
}

/** Decide which engine to give the Prisma CLI for the checkout at `repoRoot`. */
export function chooseSchemaEngine(repoRoot: string, env: NodeJS.ProcessEnv, now = Date.now()): EngineChoice {
  const explicit = env.PRISMA_SCHEMA_ENGINE_BINARY;
  if (explicit) return { kind: 'explicit', binary: explicit };
  if (nativeEngineDownloaded(repoRoot)) return { kind: 'native' };
  if (offlineRecorded(repoRoot, now)) return { kind: 'offline', binary: OFFLINE_ENGINE_BINARY };
  return { kind: 'try-native' };
}

/** Remember that the native engine could not be downloaded here (read by chooseSchemaEngine). */
export function recordDownloadFailure(repoRoot: string, now = Date.now()): void {
  const file = recordFile(repoRoot);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ failedAt: now })}\n`);
}
