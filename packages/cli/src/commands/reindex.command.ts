// `medgrade reindex`: refreshes the study index from the stored de-identified objects
// (reindex.service.ts). stdout: one JSON line per instance left unchanged ({instanceId, code}),
// then the summary; stderr: a progress line per batch whose lastId `--after` resumes from.
// Exit 1 when any instance could not be read, after the walk has finished.
import { parseArgs } from 'node:util';
import type { PrismaClient } from '@medgrade/db';
import { createPrismaClient } from '@medgrade/db';
import { createObjectStore, type ObjectStore } from '@medgrade/storage';
import { UsageError, type Command, type CommandContext } from '../command.ts';
import { reindex, type ReindexOptions } from '../reindex.service.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_BATCH = 5000;

async function resolveOrg(prisma: PrismaClient, ref: string): Promise<string> {
  const org = await prisma.organization.findFirst({ where: UUID.test(ref) ? { id: ref } : { slug: ref }, select: { id: true } });
  if (!org) throw new UsageError(`no organization ${ref}: give its slug or id`);
  return org.id;
}

async function resolveProject(prisma: PrismaClient, ref: string, orgId: string | undefined): Promise<string> {
  const where = UUID.test(ref) ? { id: ref } : { slug: ref };
  const found = await prisma.project.findMany({ where: { ...where, ...(orgId ? { orgId } : {}) }, select: { id: true }, take: 2 });
  if (found.length === 0) throw new UsageError(`no project ${ref}${orgId ? ' in that organization' : ''}: give its slug or id`);
  if (found.length > 1) throw new UsageError(`project slug ${ref} exists in several organizations: add --org`);
  return found[0]!.id;
}

function parseBatch(value: string | undefined): number {
  if (value === undefined) return 200;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_BATCH) throw new UsageError(`--batch must be a whole number from 1 to ${MAX_BATCH}`);
  return n;
}

/** Parses the flags into options; org and project slugs are resolved to ids. */
export async function parseReindexArgs(args: string[], prisma: PrismaClient): Promise<ReindexOptions> {
  const { values } = parseArgs({
    args,
    options: { org: { type: 'string' }, project: { type: 'string' }, batch: { type: 'string' }, 'dry-run': { type: 'boolean' }, after: { type: 'string' } },
  });
  if (values.after !== undefined && !UUID.test(values.after)) throw new UsageError('--after must be an instance id (the lastId of a progress line)');
  const batchSize = parseBatch(values.batch);
  const orgId = values.org === undefined ? undefined : await resolveOrg(prisma, values.org);
  const projectId = values.project === undefined ? undefined : await resolveProject(prisma, values.project, orgId);
  return { orgId, projectId, batchSize, dryRun: values['dry-run'] ?? false, after: values.after };
}

/** Runs the walk with the given adapters and writes its output; the exit code. */
export async function runReindex(deps: { prisma: PrismaClient; store: ObjectStore; auditAnchorKey: Buffer }, args: string[], { stdout, stderr }: Omit<CommandContext, 'config'>): Promise<number> {
  const options = await parseReindexArgs(args, deps.prisma);
  const summary = await reindex(deps, options, {
    onFailure: (f) => stdout.write(`${JSON.stringify(f)}\n`),
    onBatch: (p) => stderr.write(`${JSON.stringify({ progress: p })}\n`),
  });
  stdout.write(`${JSON.stringify({ summary })}\n`);
  return summary.failed > 0 ? 1 : 0;
}

export const reindexCommand: Command = {
  usage: '  medgrade reindex [--org <slug|id>] [--project <slug|id>] [--batch 200] [--dry-run] [--after <instance id>]',
  async run(args, { config, stdout, stderr }) {
    const prisma = createPrismaClient(config.database.url, { maxConnections: 2 });
    const store = createObjectStore(config.storage);
    try {
      return await runReindex({ prisma, store, auditAnchorKey: config.secrets.auditAnchorKeyBytes }, args, { stdout, stderr });
    } finally {
      await prisma.$disconnect();
      store.close();
    }
  },
};
