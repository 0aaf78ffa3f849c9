// `medgrade audit anchor [--org <slug>]`: anchors the audit chains that have no keyed anchor yet
// (events recorded before anchoring existed answer `anchor_missing` until their next append) or
// whose anchor was signed by AUDIT_ANCHOR_KEY_PREVIOUS during a key rotation. Each chain is
// verified first, under its lock, and anchored only when intact, by appending an `audit.anchor`
// event (actor "cli"); a chain that fails verification is reported, never re-anchored.
import { parseArgs } from 'node:util';
import { AuditLog } from '@medgrade/audit';
import { SlugSchema } from '@medgrade/contracts';
import { createPrismaClient } from '@medgrade/db';
import { UsageError, type Command, type CommandContext } from '../command.ts';

async function anchor(args: string[], { config, stdout, stderr }: CommandContext): Promise<number> {
  const { values } = parseArgs({ args, options: { org: { type: 'string' } } });
  if (values.org !== undefined && !SlugSchema.safeParse(values.org).success) throw new UsageError('--org must be an organization slug');
  const prisma = createPrismaClient(config.database.url, { maxConnections: 2 });
  const audit = new AuditLog(prisma, { anchorKey: config.secrets.auditAnchorKeyBytes, previousAnchorKey: config.secrets.auditAnchorKeyPreviousBytes });
  try {
    const orgs = await prisma.organization.findMany({ where: values.org ? { slug: values.org } : {}, select: { id: true, slug: true }, orderBy: { slug: 'asc' } });
    if (values.org && orgs.length === 0) throw new UsageError(`no organization with slug ${values.org}`);
    let broken = 0;
    for (const org of orgs) {
      const result = await audit.anchorUnanchored({ orgId: org.id, actor: 'cli', action: 'audit.anchor', resourceType: 'organization', resourceId: org.id });
      const { intact, checked, firstBroken } = result.verification;
      if (!intact) broken++;
      stdout.write(`${JSON.stringify({ org: org.slug, orgId: org.id, anchored: result.anchored, intact, checked, ...(firstBroken ? { firstBroken: { ...firstBroken, seq: firstBroken.seq.toString() } } : {}) })}\n`);
    }
    if (broken > 0) stderr.write(`${broken} chain(s) did not verify and were not anchored: see firstBroken\n`);
    return broken > 0 ? 1 : 0;
  } finally {
    await prisma.$disconnect();
  }
}

/** `medgrade audit anchor`. */
export const auditCommand: Command = {
  usage: [
    'medgrade audit anchor [--org <slug>]',
    '  verifies each organization\'s audit chain (or one) and anchors it under AUDIT_ANCHOR_KEY when it has no',
    '  anchor or one signed by AUDIT_ANCHOR_KEY_PREVIOUS; one JSON line per organization; exit 1 if a chain is broken',
  ].join('\n'),
  async run(args, ctx) {
    const [sub, ...rest] = args;
    if (sub === 'anchor') return anchor(rest, ctx);
    throw new UsageError(`unknown subcommand ${sub ?? '(none)'}: use anchor`);
  },
};
