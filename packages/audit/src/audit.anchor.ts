// The keyed anchor of an organization's chain head. The chain's SHA-256 hashes make it tamper-
// evident only to someone who cannot recompute them; anyone who can write the table can. The
// anchor, rewritten with every append under the chain's lock, carries an HMAC of the head under
// AUDIT_ANCHOR_KEY (which the database never holds), so a chain rewritten with recomputed hashes,
// truncated, or extended without the key no longer matches its anchor.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Prisma } from '@medgrade/db';

/** The anchored head: the last event's sequence number and hash. */
export interface ChainHead {
  seq: bigint;
  hash: string;
}

/** HMAC-SHA256 (hex) of the organization's head under the anchor key. */
export function anchorMac(key: Buffer, orgId: string, head: ChainHead): string {
  return createHmac('sha256', key).update(`medgrade-audit-anchor-v1|${orgId}|${head.seq}|${head.hash}`).digest('hex');
}

/** True when `mac` is the anchor key's MAC of this head (constant time). */
export function anchorMatches(key: Buffer, orgId: string, head: ChainHead, mac: string): boolean {
  const expected = Buffer.from(anchorMac(key, orgId, head), 'hex');
  const given = Buffer.from(mac, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Moves the organization's anchor to `head` (inside the append's transaction, under its lock). */
export async function writeAnchor(tx: Prisma.TransactionClient, key: Buffer, orgId: string, head: ChainHead, at: Date): Promise<void> {
  const mac = anchorMac(key, orgId, head);
  await tx.$executeRaw`
    INSERT INTO "AuditAnchor" ("orgId", "seq", "hash", "mac", "updatedAt") VALUES (${orgId}::uuid, ${head.seq}, ${head.hash}, ${mac}, ${at})
    ON CONFLICT ("orgId") DO UPDATE SET "seq" = EXCLUDED."seq", "hash" = EXCLUDED."hash", "mac" = EXCLUDED."mac", "updatedAt" = EXCLUDED."updatedAt"`;
}
