// `medgrade studies ls [--project ID] [--modality CR] [--limit N]`: one JSON line per
// de-identified study, following the cursor until --limit (default 100) are printed.
import { parseArgs } from 'node:util';
import { UsageError, type Command } from '../command.ts';
import { connect } from '../client/credentials.ts';

export const studiesCommand: Command = {
  usage: 'medgrade studies ls [--project ID] [--modality CODE] [--limit N] [--url GATEWAY_URL]',
  async run(args, { config, stdout }) {
    const [sub, ...rest] = args;
    if (sub !== 'ls') throw new UsageError(`unknown subcommand ${sub ?? '(none)'}`);
    const { values } = parseArgs({ args: rest, options: { project: { type: 'string' }, modality: { type: 'string' }, limit: { type: 'string' }, url: { type: 'string' } } });
    const limit = Number(values.limit ?? 100);
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a positive integer');
    const mg = await connect(config, values.url);
    let printed = 0;
    let cursor: string | undefined;
    do {
      const query = { limit: Math.min(100, limit - printed), ...(cursor ? { cursor } : {}), ...(values.project ? { projectId: values.project } : {}), ...(values.modality ? { modality: values.modality } : {}) };
      const { data } = await mg.studies.list({ query });
      for (const study of data.items) stdout.write(`${JSON.stringify(study)}\n`);
      printed += data.items.length;
      cursor = data.nextCursor ?? undefined;
    } while (cursor && printed < limit);
    return 0;
  },
};
