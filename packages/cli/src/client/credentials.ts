// Where the CLI finds its gateway and API key: flags, then MEDGRADE_URL / MEDGRADE_API_KEY
// (through @medgrade/config), then the file `medgrade login` wrote (mode 0600: it holds a key).
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Config } from '@medgrade/config';
import { createMedgrade, type Medgrade } from '@medgrade/sdk';
import { UsageError } from '../command.ts';

export interface Credentials {
  url: string;
  apiKey: string;
}

/** What `medgrade login` stored, or null when it has not run. */
export async function readStored(file: string): Promise<Partial<Credentials> | null> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<Credentials>;
    return { ...(typeof parsed.url === 'string' ? { url: parsed.url } : {}), ...(typeof parsed.apiKey === 'string' ? { apiKey: parsed.apiKey } : {}) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new UsageError(`${file} is not readable JSON: run medgrade login again`);
  }
}

/** Write the URL and key readable by the user only (the folder 0700, the file 0600). */
export async function storeCredentials(file: string, credentials: Credentials): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  await chmod(file, 0o600); // writeFile keeps an existing file's mode
}

/**
 * The gateway and key for this run: flags (`--url`, `--key-file`), then MEDGRADE_URL /
 * MEDGRADE_API_KEY, then what `medgrade login` stored; the URL last falls back to
 * GATEWAY_PUBLIC_URL (a gateway on this machine). Throws how to fix a missing key.
 */
export async function resolveCredentials(config: Config, flags: { url?: string | undefined; 'key-file'?: string | undefined } = {}): Promise<Credentials> {
  const stored = await readStored(config.client.configFile);
  const url = flags.url ?? config.client.url ?? stored?.url ?? config.gateway.publicUrl;
  const fromFile = flags['key-file'] ? (await readFile(flags['key-file'], 'utf8')).trim() : undefined;
  const apiKey = fromFile ?? config.client.apiKey ?? stored?.apiKey;
  if (!apiKey) throw new UsageError('no API key: run `medgrade login`, set MEDGRADE_API_KEY or pass --key-file FILE');
  return { url, apiKey };
}

/** An SDK client for this run's credentials. */
export async function connect(config: Config, urlFlag?: string): Promise<Medgrade> {
  const { url, apiKey } = await resolveCredentials(config, { url: urlFlag });
  return createMedgrade({ baseUrl: url, apiKey });
}
