// `medgrade review ls [--project ID] [--limit N]`: one JSON line per instance held for burned-in
// review (oldest upload first, following the cursor). `medgrade review approve|reject ID --reason-code CODE`:
// decide one (the code goes to the audit trail; there is no free text).
// Needs a key with review:write (or admin).
import { parseArgs } from 'node:util';
import { ReviewReasonCodeSchema } from '@medgrade/contracts';
import { UsageError, type Command } from '../command.ts';
import { connect } from '../client/credentials.ts';
import { limitOf, printPages } from './paged.ts';

const REASON_CODES = ReviewReasonCodeSchema.options;
const USAGE = `medgrade review ls [--project ID] [--limit N] | medgrade review approve|reject INSTANCE_ID --reason-code ${REASON_CODES.join('|')} [--url GATEWAY_URL]`;

export const reviewCommand: Command = {
  usage: USAGE,
  async run(args, { config, stdout }) {
    const [sub, ...rest] = args;
    const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { project: { type: 'string' }, limit: { type: 'string' }, 'reason-code': { type: 'string' }, url: { type: 'string' } } });
    if (sub === 'ls') {
      const limit = limitOf(values.limit);
      const mg = await connect(config, values.url);
      const filters = values.project ? { projectId: values.project } : {};
      await printPages(limit, async (page) => (await mg.reviews.list({ query: { ...page, ...filters } })).data, stdout);
      return 0;
    }
    if (sub !== 'approve' && sub !== 'reject') throw new UsageError(`unknown subcommand ${sub ?? '(none)'}: ${USAGE}`);
    const [instanceId] = positionals;
    const reasonCode = REASON_CODES.find((c) => c === values['reason-code']);
    if (!instanceId || !reasonCode) throw new UsageError(`${sub} needs an instance id and --reason-code (one of ${REASON_CODES.join(', ')}): ${USAGE}`);
    const mg = await connect(config, values.url);
    const options = { path: { instanceId }, body: { reasonCode } };
    const { data } = sub === 'approve' ? await mg.reviews.approve(options) : await mg.reviews.reject(options);
    stdout.write(`${JSON.stringify(data)}\n`);
    return 0;
  },
};
