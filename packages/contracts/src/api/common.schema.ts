import { z } from 'zod';

/** Path parameters of a single resource. */
export const IdParamsSchema = z.object({ id: z.uuid().describe('Resource id') });

export const TimestampSchema = z.iso.datetime({ offset: true }).describe('RFC 3339 timestamp');

/** Cursor pagination: pass `nextCursor` of one page as `cursor` of the next. */
export const PageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).optional(),
});

/** Cursor pagination over ids: the cursor is the last id of the previous page (any other value is a 400, not a database error). */
export const IdPageQuerySchema = PageQuerySchema.extend({
  cursor: z.uuid('use the nextCursor of the previous page').optional(),
});

/** A free-text filter matched in the database: Postgres refuses NUL in text, so it is a 400 here, not a 500 there. */
export const TextFilterSchema = z.string().min(1).max(1024).refine((v) => !v.includes('\0'), 'must not contain a NUL character');

/** A page of items. */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

/** URL-safe lowercase identifier used for organizations and projects. */
export const SlugSchema = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/, 'use 1-64 lowercase letters, digits and inner hyphens');
