// `pnpm --filter @medgrade/portal build` (and the gateway image): build the portal if its sources changed; --force always.
import { buildPortal } from './build.ts';

const { built, dir } = await buildPortal({ force: process.argv.includes('--force') });
process.stdout.write(built ? `portal built into ${dir}\n` : `portal up to date in ${dir}\n`);
