import { ensureDatabase, migrateDeploy, parseDatabaseUrl } from '@medgrade/db';
import type { Command } from '../command.ts';

/** `medgrade migrate`: create the database when missing, then apply every committed migration. */
export const migrateCommand: Command = {
  usage: 'medgrade migrate',
  async run(_args, { config, stderr }) {
    const { name } = parseDatabaseUrl(config.database.url);
    if (await ensureDatabase(config.database.url)) stderr.write(`created database ${name}\n`);
    await migrateDeploy(config.database.url);
    stderr.write(`database ${name} is migrated\n`);
    return 0;
  },
};
