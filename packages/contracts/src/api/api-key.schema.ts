import { z } from 'zod';
import { ScopeSchema } from '../scopes.ts';
import { TimestampSchema } from './common.schema.ts';

export const ApiKeySchema = z
  .object({
    id: z.uuid(),
    orgId: z.uuid(),
    projectId: z.uuid().nullable(),
    name: z.string().nullable(),
    prefix: z.string().describe('Public part of the key, used to find and revoke it'),
    scopes: z.array(ScopeSchema),
    expiresAt: TimestampSchema.nullable(),
    revokedAt: TimestampSchema.nullable(),
    lastUsedAt: TimestampSchema.nullable(),
    createdAt: TimestampSchema,
  })
  .meta({ id: 'ApiKey' });

export const CreateApiKeyBodySchema = z
  .object({
    name: z.string().min(1).max(200).optional(),
    scopes: z.array(ScopeSchema).min(1),
    projectId: z.uuid().optional().describe('Restrict the key to one project of the organization'),
    expiresAt: TimestampSchema.optional(),
  })
  .strict();

export const CreatedApiKeySchema = ApiKeySchema.extend({
  key: z.string().describe('The secret key. Shown once: store it now, it cannot be retrieved again'),
}).meta({ id: 'CreatedApiKey' });

export type ApiKeyDto = z.infer<typeof ApiKeySchema>;
