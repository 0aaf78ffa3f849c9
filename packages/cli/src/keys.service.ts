import { AuditLog } from '@medgrade/audit';
import { ApiKeyService } from '@medgrade/auth';
import { type Config } from '@medgrade/config';
import type { Scope } from '@medgrade/contracts';
import { newProjectSecretCiphertext, type PrismaClient } from '@medgrade/db';

// The operator's path to a first key: organizations and projects are created on demand, and
// everything is audited with actor "cli" in the same transaction as the change.

const CLI_ACTOR = 'cli';

export interface CreatedKey {
  key: string;
  orgId: string;
  projectId: string | null;
}

export async function createKeyWithTenancy(
  prisma: PrismaClient,
  config: Config,
  input: { org: string; project?: string; scopes: Scope[] },
): Promise<CreatedKey> {
  const audit = new AuditLog(prisma, { anchorKey: config.secrets.auditAnchorKeyBytes });
  const apiKeys = new ApiKeyService(prisma, { cacheTtlMs: 0 });
  const secretKey = config.secrets.projectSecretKeyBytes;
  return prisma.$transaction(async (tx) => {
    let org = await tx.organization.findUnique({ where: { slug: input.org } });
    if (!org) {
      org = await tx.organization.create({ data: { slug: input.org, name: input.org } });
      await audit.append({ orgId: org.id, actor: CLI_ACTOR, action: 'organization.create', resourceType: 'organization', resourceId: org.id, details: { slug: org.slug } }, tx);
    }
    let projectId: string | null = null;
    if (input.project) {
      let project = await tx.project.findUnique({ where: { orgId_slug: { orgId: org.id, slug: input.project } } });
      if (!project) {
        project = await tx.project.create({ data: { orgId: org.id, slug: input.project, name: input.project, secretCiphertext: newProjectSecretCiphertext(secretKey) } });
        await audit.append({ orgId: org.id, actor: CLI_ACTOR, action: 'project.create', resourceType: 'project', resourceId: project.id, details: { slug: project.slug } }, tx);
      }
      projectId = project.id;
    }
    const { row, key } = await apiKeys.create({ orgId: org.id, projectId, scopes: input.scopes, name: 'cli' }, tx);
    await audit.append({ orgId: org.id, actor: CLI_ACTOR, action: 'api_key.create', resourceType: 'api_key', resourceId: row.id, details: { prefix: row.prefix, scopes: row.scopes } }, tx);
    return { key, orgId: org.id, projectId };
  });
}

export async function revokeKeyByPrefix(prisma: PrismaClient, prefix: string, auditAnchorKey: Buffer): Promise<{ id: string; orgId: string }> {
  const audit = new AuditLog(prisma, { anchorKey: auditAnchorKey });
  const apiKeys = new ApiKeyService(prisma, { cacheTtlMs: 0 });
  return prisma.$transaction(async (tx) => {
    const row = await apiKeys.revoke({ prefix }, tx);
    await audit.append({ orgId: row.orgId, actor: CLI_ACTOR, action: 'api_key.revoke', resourceType: 'api_key', resourceId: row.id, details: { prefix } }, tx);
    return { id: row.id, orgId: row.orgId };
  });
}
