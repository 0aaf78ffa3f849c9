// `medgrade studies ls [--project ID] [--modality CR] [--limit N]`: one JSON line per
// de-identified study, following the cursor until --limit (default 100) are printed.
import { parseArgs } from 'node:util';
import { UsageError, type Command } from '../command.ts';
import { connect } from '../client/credentials.ts';
import { limitOf, printPages } from './paged.ts';

export const studiesCommand: Command = {
  usage: 'medgrade studies ls [--project ID] [--modality CODE] [--limit N] [--url GATEWAY_URL]',
  async run(args, { config, stdout }) {
    const [sub, ...rest] = args;
    if (sub !== 'ls') throw new UsageError(`unknown subcommand ${sub ?? '(none)'}`);
    const { values } = parseArgs({ args: rest, options: { project: { type: 'string' }, modality: { type: 'string' }, limit: { type: 'string' }, url: { type: 'string' } } });
    const limit = limitOf(values.limit);
    const mg = await connect(config, values.url);
    const filters = { ...(values.project ? { projectId: values.project } : {}), ...(values.modality ? { modality: values.modality } : {}) };
    await printPages(limit, async (page) => (await mg.studies.list({ query: { ...page, ...filters } })).data, stdout);
    return 0;
  },
};
