import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical.ts';

/** prevHash of the first event of an organization's chain. */
export const GENESIS_HASH = '0'.repeat(64);

/** The hashed content of an event: everything but seq (assigned by the database) and hash. */
export interface HashedEventFields {
  orgId: string;
  /** Hashed only when set, so events recorded before the column existed verify unchanged. */
  projectId?: string | null;
  actor: string;
  action: string;
  resourceType: string;
  resourceId: string | null;
  requestId: string | null;
  details: unknown;
  prevHash: string;
  createdAt: Date;
}

/** SHA-256 (hex) over the canonical encoding of the event, which includes the previous hash. */
export function hashEvent(fields: HashedEventFields): string {
  const canonical = canonicalJson({
    v: 1,
    orgId: fields.orgId,
    ...(fields.projectId ? { projectId: fields.projectId } : {}),
    actor: fields.actor,
    action: fields.action,
    resourceType: fields.resourceType,
    resourceId: fields.resourceId,
    requestId: fields.requestId,
    details: fields.details ?? {},
    prevHash: fields.prevHash,
    createdAt: fields.createdAt.toISOString(),
  });
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}
