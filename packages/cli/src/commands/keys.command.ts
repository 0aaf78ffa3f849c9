import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { publishRevocation } from '@medgrade/auth';
import type { Config } from '@medgrade/config';
import { SCOPES, ScopeSchema, SlugSchema, type Scope } from '@medgrade/contracts';
import { createPrismaClient } from '@medgrade/db';
import { UsageError, type Command, type CommandContext } from '../command.ts';
import { createKeyWithTenancy, revokeKeyByPrefix } from '../keys.service.ts';

function parseScopes(value: string | undefined): Scope[] {
  if (!value) throw new UsageError('--scopes is required (comma list or *)');
  if (value.trim() === '*') return [...SCOPES];
  const scopes = value.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = scopes.filter((s) => !ScopeSchema.safeParse(s).success);
  if (bad.length > 0 || scopes.length === 0) throw new UsageError(`unknown scope(s) ${bad.join(', ')}: use ${SCOPES.join(', ')} or *`);
  return scopes as Scope[];
}

function parseSlug(flag: string, value: string | undefined): string {
  if (value === undefined) throw new UsageError(`${flag} is required`);
  if (!SlugSchema.safeParse(value).success) throw new UsageError(`${flag} must be 1-64 lowercase letters, digits and inner hyphens`);
  return value;
}

async function create(args: string[], { config, stdout }: CommandContext): Promise<number> {
  const { values } = parseArgs({ args, options: { org: { type: 'string' }, project: { type: 'string' }, scopes: { type: 'string' } } });
  const input = {
    org: parseSlug('--org', values.org),
    project: values.project === undefined ? undefined : parseSlug('--project', values.project),
    scopes: parseScopes(values.scopes),
  };
  const prisma = createPrismaClient(config.database.url, { maxConnections: 2 });
  try {
    const created = await createKeyWithTenancy(prisma, config, input);
    stdout.write(`${JSON.stringify(created)}\n`);
    return 0;
  } finally {
    await prisma.$disconnect();
  }
}

async function revoke(args: string[], { config, stdout, stderr }: CommandContext): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  const prefix = positionals[0]?.replace(/^mgk_/, '');
  if (!prefix || positionals.length !== 1) throw new UsageError('give exactly one key prefix');
  const prisma = createPrismaClient(config.database.url, { maxConnections: 2 });
  try {
    const revoked = await revokeKeyByPrefix(prisma, prefix, config.secrets.auditAnchorKeyBytes);
    stdout.write(`${JSON.stringify({ revoked: revoked.id, orgId: revoked.orgId })}\n`);
    if (await broadcastRevocation(config, prefix)) return 0;
    stderr.write(`revoked in the database, but Redis at ${redactedUrl(config.redis.url)} did not take the broadcast: running gateways keep accepting the key until their cache expires (API_KEY_CACHE_TTL_MS, ${config.gateway.keyCacheTtlMs} ms)\n`);
    return 1;
  } finally {
    await prisma.$disconnect();
  }
}

// Gateways cache verified keys: tell them all, on the channel the API's revocation uses.
async function broadcastRevocation(config: Config, prefix: string): Promise<boolean> {
  const redis = new Redis(config.redis.url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 5000, retryStrategy: () => null });
  redis.on('error', () => undefined); // reported once, below, as the command's outcome
  try {
    await redis.connect();
    await publishRevocation(redis, config.redis.keyPrefix, prefix);
    return true;
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

function redactedUrl(url: string): string {
  const u = new URL(url);
  u.username = '';
  u.password = '';
  return u.toString();
}

/** `medgrade keys create|revoke`. */
export const keysCommand: Command = {
  usage: [
    'medgrade keys create --org <slug> [--project <slug>] --scopes <comma list or *>',
    '  creates the organization/project if missing; prints {"key","orgId","projectId"} (the key is shown once)',
    'medgrade keys revoke <prefix>',
    `  scopes: ${SCOPES.join(', ')}`,
  ].join('\n'),
  async run(args, ctx) {
    const [sub, ...rest] = args;
    if (sub === 'create') return create(rest, ctx);
    if (sub === 'revoke') return revoke(rest, ctx);
    throw new UsageError(`unknown subcommand ${sub ?? '(none)'}: use create or revoke`);
  },
};
