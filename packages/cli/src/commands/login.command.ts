// `medgrade login [--url URL] [--key-file FILE]`: checks the key against the gateway (GET /v1/me)
// and stores URL and key in the user's config file, mode 0600. The key comes from --key-file,
// MEDGRADE_API_KEY or stdin (one line), never from the command line, where `ps` and shell
// history would keep it.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { createMedgrade } from '@medgrade/sdk';
import { UsageError, type Command } from '../command.ts';
import { readStored, storeCredentials } from '../client/credentials.ts';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export const loginCommand: Command = {
  usage: 'medgrade login [--url GATEWAY_URL] [--key-file FILE]   (key: --key-file, MEDGRADE_API_KEY or stdin)',
  async run(args, { config, stdout }) {
    const { values } = parseArgs({ args, options: { url: { type: 'string' }, 'key-file': { type: 'string' } } });
    const stored = await readStored(config.client.configFile);
    const url = values.url ?? config.client.url ?? stored?.url ?? config.gateway.publicUrl;
    const apiKey = (values['key-file'] ? await readFile(values['key-file'], 'utf8') : (config.client.apiKey ?? await readStdin())).trim();
    if (!apiKey) throw new UsageError('no API key: pass --key-file, set MEDGRADE_API_KEY or pipe it on stdin');
    const { data: me } = await createMedgrade({ baseUrl: url, apiKey }).me.get();
    await storeCredentials(config.client.configFile, { url, apiKey });
    stdout.write(`${JSON.stringify({ url, configFile: config.client.configFile, keyId: me.keyId, orgId: me.orgId, projectId: me.projectId, scopes: me.scopes })}\n`);
    return 0;
  },
};
