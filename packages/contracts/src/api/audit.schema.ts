import { z } from 'zod';
import { TextFilterSchema, TimestampSchema } from './common.schema.ts';

export const AuditEventSchema = z
  .object({
    seq: z.string().describe('Position in the organization chain (64-bit integer as a string)'),
    orgId: z.uuid(),
    actor: z.string().describe('API key id, or "cli" / "system"'),
    action: z.string(),
    resourceType: z.string(),
    resourceId: z.string().nullable(),
    requestId: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
    prevHash: z.string(),
    hash: z.string(),
    createdAt: TimestampSchema,
  })
  .meta({ id: 'AuditEvent' });

export const AuditQuerySchema = z.object({
  action: TextFilterSchema.optional(),
  resourceType: TextFilterSchema.optional(),
  resourceId: TextFilterSchema.optional(),
  actor: TextFilterSchema.optional(),
  since: TimestampSchema.optional(),
  until: TimestampSchema.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  // At most 18 digits: a sequence number fits Postgres' bigint, a longer value is a 400, not a database error.
  cursor: z.string().regex(/^\d{1,18}$/, 'use the nextCursor of the previous page').optional(),
});

export const AuditVerifySchema = z
  .object({
    intact: z.boolean(),
    checked: z.number().int().describe('Number of events verified'),
    firstBroken: z
      .object({
        seq: z.string(),
        reason: z.enum(['hash_mismatch', 'chain_break', 'anchor_mismatch', 'anchor_missing']).describe('hash_mismatch: an event was modified; chain_break: one was removed, inserted or reordered; anchor_mismatch / anchor_missing: the head does not match its HMAC anchor (AUDIT_ANCHOR_KEY), as after a rewrite with recomputed hashes, a truncation or an append without the key'),
        message: z.string(),
      })
      .nullable(),
  })
  .meta({ id: 'AuditVerification' });

export type AuditEventDto = z.infer<typeof AuditEventSchema>;
export type AuditQuery = z.infer<typeof AuditQuerySchema>;
export type AuditVerification = z.infer<typeof AuditVerifySchema>;
