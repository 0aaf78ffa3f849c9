// `medgrade models register <bundle-dir>`: registers a model bundle (e.g. the committed reference
// model-bundles/medgrade-cxr-tiny/1) through the gateway's public registry API, exactly as any client
// would: create the model if needed, upload the version (validated there), optionally release it.
// An uploaded version is a draft that no evaluation gate has seen, so releasing it needs
// `--override` (sent as `override: true`, audited as such): the reference model, the base of every
// fine-tune, is released this way.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError, type Command, type CommandContext } from '../command.ts';
import { fail, gatewayClient } from '../gateway.client.ts';

async function register(args: string[], { config, stdout }: CommandContext): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { name: { type: 'string' }, 'key-file': { type: 'string' }, url: { type: 'string' }, release: { type: 'string' }, override: { type: 'boolean', default: false } } });
  const dir = positionals[0];
  if (!dir || positionals.length !== 1) throw new UsageError('give exactly one bundle folder');
  if (!values['key-file']) throw new UsageError('--key-file is required (a file holding an API key with models:write, and admin for --release)');
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as { name: string; version: string };
  const name = values.name ?? manifest.name;
  const client = gatewayClient(values.url ?? config.gateway.publicUrl, (await readFile(values['key-file'], 'utf8')).trim());
  const created = await client.call('POST', '/v1/models', { name });
  if (created.status !== 201 && created.status !== 409) fail('creating the model', created);
  const form = new FormData();
  for (const f of await readdir(dir)) form.append('file', new Blob([await readFile(join(dir, f))]), f);
  let version = await client.call('POST', `/v1/models/${name}/versions`, form);
  if (version.status === 409) version = await client.call('GET', `/v1/models/${name}/versions/${manifest.version}`);
  else if (version.status !== 201) fail('uploading the version', version);
  if (values.release !== undefined && version.json.status !== 'released') {
    const body = { reason: values.release, ...(values.override ? { override: true } : {}) };
    version = await client.call('POST', `/v1/models/${name}/versions/${manifest.version}/release`, body);
    if (version.status !== 200) fail('releasing the version', version);
  }
  stdout.write(`${JSON.stringify({ name, version: version.json.version, status: version.json.status })}\n`);
  return 0;
}

export const modelsCommand: Command = {
  usage: '  medgrade models register <bundle-dir> --key-file FILE [--name NAME] [--url GATEWAY_URL] [--release "reason" [--override]]\n'
    + '    --override releases a draft that no evaluation gate validated (audited as an override)',
  async run(args, ctx) {
    const [sub, ...rest] = args;
    if (sub === 'register') return register(rest, ctx);
    throw new UsageError(`unknown subcommand ${sub ?? '(none)'}`);
  },
};
