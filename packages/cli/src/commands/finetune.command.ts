// `medgrade finetune create|watch|cancel|ls|show`: fine-tuning jobs through the API (SDK).
// `watch` follows the job's event stream (cursor `after`) until the job ends: a progress bar on a
// terminal, one JSON line per event otherwise; it exits 0 when the job succeeded, 1 otherwise.
import { parseArgs } from 'node:util';
import { FinetuneMethodSchema, FinetunePrioritySchema, FinetuneStatusSchema } from '@medgrade/contracts';
import type { Medgrade } from '@medgrade/sdk';
import { UsageError, type Command, type CommandContext } from '../command.ts';
import { connect } from '../client/credentials.ts';
import { followJob } from './finetune.watch.ts';

const USAGE = [
  'medgrade finetune create --base NAME[@VERSION] --snapshot ID [--method full|lora] [--priority urgent|standard|preemptible]',
  '                         [--pool NAME] [--seed N] [--gpus N] [--hp KEY=VALUE ...] [--watch]',
  'medgrade finetune watch <jobId> [--poll SECONDS]',
  'medgrade finetune cancel <jobId> [--reason TEXT]',
  'medgrade finetune ls [--status STATUS] | show <jobId>        (each also takes --url GATEWAY_URL)',
].join('\n       ');

/** `--hp steps=50 --hp lr=0.001`: trainer hyperparameters, numbers (the API validates names and ranges). */
export function parseHyperparameters(pairs: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const pair of pairs) {
    const [key, value, ...rest] = pair.split('=');
    const number = Number(value);
    if (!key || value === undefined || rest.length > 0 || value.trim() === '' || !Number.isFinite(number)) {
      throw new UsageError(`--hp takes KEY=NUMBER (e.g. --hp steps=200), not ${JSON.stringify(pair)}`);
    }
    out[key] = number;
  }
  return out;
}

async function create(mg: Medgrade, args: string[], ctx: CommandContext): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      base: { type: 'string' }, snapshot: { type: 'string' }, method: { type: 'string', default: 'full' },
      priority: { type: 'string' }, pool: { type: 'string' }, seed: { type: 'string' }, gpus: { type: 'string' },
      hp: { type: 'string', multiple: true }, watch: { type: 'boolean' }, url: { type: 'string' },
    },
  });
  if (!values.base || !values.snapshot) throw new UsageError('--base and --snapshot are required');
  const method = FinetuneMethodSchema.safeParse(values.method);
  if (!method.success) throw new UsageError('--method is full or lora');
  const priority = values.priority === undefined ? undefined : FinetunePrioritySchema.safeParse(values.priority);
  if (priority && !priority.success) throw new UsageError('--priority is urgent, standard or preemptible');
  const hyperparameters = parseHyperparameters(values.hp ?? []);
  const body = {
    baseModel: values.base,
    datasetSnapshotId: values.snapshot,
    method: method.data,
    ...(Object.keys(hyperparameters).length > 0 ? { hyperparameters } : {}),
    ...(priority ? { priority: priority.data } : {}),
    ...(values.pool ? { nodePool: values.pool } : {}),
    ...(values.seed !== undefined ? { seed: Number(values.seed) } : {}),
    ...(values.gpus !== undefined ? { gpus: Number(values.gpus) } : {}),
  };
  const { data } = await mg.finetuneJobs.create({ body });
  ctx.stdout.write(`${JSON.stringify(data)}\n`);
  return values.watch ? followJob(mg, data.id, ctx, 1) : 0;
}

function jobId(positionals: string[], verb: string): string {
  const [id] = positionals;
  if (!id || positionals.length !== 1) throw new UsageError(`give exactly one job id to ${verb}`);
  return id;
}

export const finetuneCommand: Command = {
  usage: USAGE,
  async run(args, ctx) {
    const [sub, ...rest] = args;
    if (sub === 'create') return create(await connect(ctx.config, urlOf(rest)), rest, ctx);
    const { values, positionals } = parseArgs({
      args: rest, allowPositionals: true,
      options: { url: { type: 'string' }, reason: { type: 'string' }, status: { type: 'string' }, poll: { type: 'string' } },
    });
    if (sub !== 'watch' && sub !== 'cancel' && sub !== 'ls' && sub !== 'show') throw new UsageError(`unknown subcommand ${sub ?? '(none)'}`);
    const mg = await connect(ctx.config, values.url);
    if (sub === 'watch') return followJob(mg, jobId(positionals, 'watch'), ctx, Number(values.poll ?? 1));
    if (sub === 'cancel') {
      const { data } = await mg.finetuneJobs.cancel({ path: { id: jobId(positionals, 'cancel') }, body: values.reason ? { reason: values.reason } : {} });
      ctx.stdout.write(`${JSON.stringify(data)}\n`);
      return 0;
    }
    if (sub === 'show') {
      const { data } = await mg.finetuneJobs.get({ path: { id: jobId(positionals, 'show') } });
      ctx.stdout.write(`${JSON.stringify(data)}\n`);
      return 0;
    }
    const status = values.status === undefined ? undefined : FinetuneStatusSchema.safeParse(values.status);
    if (status && !status.success) throw new UsageError(`--status is one of ${FinetuneStatusSchema.options.join(', ')}`);
    const { data } = await mg.finetuneJobs.list({ query: status ? { status: status.data } : {} });
    for (const job of data.items) ctx.stdout.write(`${JSON.stringify(job)}\n`);
    return 0;
  },
};

/** `--url` among create's flags, read before the full parse so the client can be built first. */
function urlOf(args: string[]): string | undefined {
  const at = args.indexOf('--url');
  return at >= 0 ? args[at + 1] : args.find((a) => a.startsWith('--url='))?.slice('--url='.length);
}
