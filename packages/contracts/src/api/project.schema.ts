import { z } from 'zod';
import { SlugSchema, TimestampSchema } from './common.schema.ts';

export const BurnedInPolicySchema = z
  .enum(['REJECT', 'QUARANTINE', 'FLAG'])
  .describe('What de-identification does with instances that may carry burned-in text');

export const ProjectSchema = z
  .object({
    id: z.uuid(),
    orgId: z.uuid(),
    slug: SlugSchema,
    name: z.string(),
    burnedInPolicy: BurnedInPolicySchema,
    deidOptions: z.record(z.string(), z.unknown()).describe('PS3.15 profile options of this project'),
    createdAt: TimestampSchema,
    updatedAt: TimestampSchema,
  })
  .meta({ id: 'Project' });

export const CreateProjectBodySchema = z
  .object({ slug: SlugSchema, name: z.string().min(1).max(200), burnedInPolicy: BurnedInPolicySchema.optional() })
  .strict();

export const UpdateProjectBodySchema = z
  .object({ name: z.string().min(1).max(200).optional(), burnedInPolicy: BurnedInPolicySchema.optional() })
  .strict();

export type ProjectDto = z.infer<typeof ProjectSchema>;
