// `pnpm prisma <args>`: the Prisma CLI with the schema engine chosen as packages/db's runPrisma
// chooses it (standard Prisma where its engine can be downloaded, the offline engine where not),
// for developers running migrate/diff/studio by hand.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { loadConfig } from '../packages/config/src/index.ts';
import { REPO_ROOT, runPrisma } from '../packages/db/src/migrate.ts';
import { chooseSchemaEngine } from '../packages/prisma-engine/src/index.ts';

const args = process.argv.slice(2);
const databaseUrl = process.env.DATABASE_URL ?? loadConfig().database.url;
if (chooseSchemaEngine(REPO_ROOT, process.env).kind === 'try-native') {
  // First run on this checkout: let runPrisma find out (and remember) whether the download works.
  await runPrisma(['--version'], databaseUrl);
}
const choice = chooseSchemaEngine(REPO_ROOT, process.env);
const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: databaseUrl };
if (choice.kind === 'offline') env.PRISMA_SCHEMA_ENGINE_BINARY = choice.binary;
const run = spawnSync(path.join(REPO_ROOT, 'node_modules', '.bin', 'prisma'), args, { cwd: REPO_ROOT, env, stdio: 'inherit' });
process.exit(run.status ?? 1);
