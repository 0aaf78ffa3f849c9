// `medgrade datasets ...`: datasets, label import and snapshots through the gateway's public API
// (/v1/datasets), with the caller's API key. Every result is one JSON document on stdout.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { UsageError, type Command, type CommandContext } from '../command.ts';
import { clientFrom, fail, type GatewayClient } from '../gateway.client.ts';

const COMMON = { url: { type: 'string' }, 'key-file': { type: 'string' } } as const;

function one(positionals: string[], what: string): string {
  const [id] = positionals;
  if (!id || positionals.length !== 1) throw new UsageError(`give exactly one ${what}`);
  return id;
}

function number(value: string | undefined, flag: string): number {
  const n = Number(value);
  if (value === undefined || !Number.isFinite(n)) throw new UsageError(`${flag} needs a number`);
  return n;
}

type Sub = (args: string[], client: (flags: { url?: string; 'key-file'?: string }) => Promise<GatewayClient>, ctx: CommandContext) => Promise<unknown>;

const SUBCOMMANDS: Record<string, Sub> = {
  async create(args, client) {
    const { values } = parseArgs({ args, options: { ...COMMON, name: { type: 'string' }, task: { type: 'string', default: 'report-generation' }, project: { type: 'string' } } });
    if (!values.name) throw new UsageError('--name is required');
    const res = await (await client(values)).call('POST', '/v1/datasets', { name: values.name, task: values.task, ...(values.project ? { projectId: values.project } : {}) });
    return res.status === 201 ? res.json : fail('creating the dataset', res);
  },
  async ls(args, client) {
    const { values } = parseArgs({ args, options: { ...COMMON, limit: { type: 'string', default: '50' }, cursor: { type: 'string' } } });
    const query = new URLSearchParams({ limit: values.limit, ...(values.cursor ? { cursor: values.cursor } : {}) });
    const res = await (await client(values)).call('GET', `/v1/datasets?${query.toString()}`);
    return res.status === 200 ? res.json : fail('listing datasets', res);
  },
  async show(args, client) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { ...COMMON, snapshot: { type: 'string' } } });
    const id = one(positionals, 'dataset id');
    const api = await client(values);
    if (values.snapshot) {
      const snap = await api.call('GET', `/v1/datasets/${id}/snapshots/${values.snapshot}`);
      return snap.status === 200 ? snap.json : fail('reading the snapshot', snap);
    }
    const [dataset, snapshots] = await Promise.all([api.call('GET', `/v1/datasets/${id}`), api.call('GET', `/v1/datasets/${id}/snapshots`)]);
    if (dataset.status !== 200) fail('reading the dataset', dataset);
    if (snapshots.status !== 200) fail('listing its snapshots', snapshots);
    return { ...dataset.json, snapshots: snapshots.json.items };
  },
  async labels(args, client, { stdout }) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: COMMON });
    const [id, file] = positionals;
    if (!id || !file || positionals.length !== 2) throw new UsageError('give a dataset id and a JSON Lines file');
    const res = await (await client(values)).call('POST', `/v1/datasets/${id}/labels`, await readFile(file, 'utf8'), 'application/x-ndjson');
    if (res.status === 200) return res.json;
    // A refused import: print every row's result so the file can be fixed, then fail.
    const error = res.json.error as { details?: unknown } | undefined;
    if (res.status === 422 && error?.details) stdout.write(`${JSON.stringify(error.details)}\n`);
    return fail('importing labels (nothing was stored)', res);
  },
  async snapshot(args, client) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { ...COMMON, seed: { type: 'string' }, val: { type: 'string' }, test: { type: 'string' } } });
    const id = one(positionals, 'dataset id');
    const body = { seed: number(values.seed, '--seed'), split: { val: number(values.val, '--val'), test: number(values.test, '--test') } };
    const res = await (await client(values)).call('POST', `/v1/datasets/${id}/snapshots`, body);
    return res.status === 201 ? res.json : fail('creating the snapshot', res);
  },
};

export const datasetsCommand: Command = {
  usage: [
    '  medgrade datasets create --name NAME [--task report-generation] [--project PROJECT_ID]',
    '  medgrade datasets ls [--limit 50] [--cursor C]',
    '  medgrade datasets show <id> [--snapshot SNAPSHOT_ID]',
    '  medgrade datasets labels <id> <file.jsonl>',
    '  medgrade datasets snapshot <id> --seed N --val 0.1 --test 0.2',
    '  (every subcommand: [--url GATEWAY_URL] [--key-file FILE]; else MEDGRADE_URL / MEDGRADE_API_KEY)',
  ].join('\n'),
  async run(args, ctx) {
    const [sub, ...rest] = args;
    const run = sub === undefined ? undefined : SUBCOMMANDS[sub];
    if (!run) throw new UsageError(`unknown subcommand ${sub ?? '(none)'}`);
    const result = await run(rest, (flags) => clientFrom(ctx.config, flags), ctx);
    ctx.stdout.write(`${JSON.stringify(result)}\n`);
    return 0;
  },
};
