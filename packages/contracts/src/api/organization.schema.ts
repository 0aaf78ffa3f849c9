import { z } from 'zod';
import { SlugSchema, TimestampSchema } from './common.schema.ts';

export const OrganizationSchema = z
  .object({ id: z.uuid(), slug: SlugSchema, name: z.string(), createdAt: TimestampSchema })
  .meta({ id: 'Organization' });

export const UpdateOrganizationBodySchema = z.object({ name: z.string().min(1).max(200) }).strict();

export type OrganizationDto = z.infer<typeof OrganizationSchema>;
