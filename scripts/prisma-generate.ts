// `pnpm install` runs this (root postinstall): generate the Prisma client into
// packages/db/src/generated (gitignored) so a fresh clone typechecks and runs.
// Imports migrate.ts directly: the @medgrade/db index needs the client this script generates.
import { loadConfig } from '../packages/config/src/index.ts';
import { runPrisma } from '../packages/db/src/migrate.ts';

const run = await runPrisma(['generate'], loadConfig().database.url);
if (run.code !== 0) {
  process.stderr.write(run.output);
  process.exit(run.code);
}
process.stdout.write('Prisma client generated into packages/db/src/generated\n');
