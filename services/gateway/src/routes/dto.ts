import type { ApiKeyDto, AuditEventDto, OrganizationDto, ProjectDto, Scope } from '@medgrade/contracts';
import type { ApiKey, AuditEvent, Organization, Project } from '@medgrade/db';

// Database rows → API shapes: dates as RFC 3339 strings, bigint seq as a string, secrets dropped.

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toOrganizationDto(row: Organization): OrganizationDto {
  return { id: row.id, slug: row.slug, name: row.name, createdAt: row.createdAt.toISOString() };
}

export function toProjectDto(row: Project): ProjectDto {
  return {
    id: row.id,
    orgId: row.orgId,
    slug: row.slug,
    name: row.name,
    burnedInPolicy: row.burnedInPolicy,
    deidOptions: (row.deidOptions ?? {}) as Record<string, unknown>,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function toApiKeyDto(row: ApiKey): ApiKeyDto {
  return {
    id: row.id,
    orgId: row.orgId,
    projectId: row.projectId,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes as Scope[],
    expiresAt: iso(row.expiresAt),
    revokedAt: iso(row.revokedAt),
    lastUsedAt: iso(row.lastUsedAt),
    createdAt: row.createdAt.toISOString(),
  };
}

export function toAuditEventDto(row: AuditEvent): AuditEventDto {
  return {
    seq: row.seq.toString(),
    orgId: row.orgId,
    actor: row.actor,
    action: row.action,
    resourceType: row.resourceType,
    resourceId: row.resourceId,
    requestId: row.requestId,
    details: (row.details ?? {}) as Record<string, unknown>,
    prevHash: row.prevHash,
    hash: row.hash,
    createdAt: row.createdAt.toISOString(),
  };
}
