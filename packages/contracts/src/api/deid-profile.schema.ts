import { z } from 'zod';
import { BurnedInPolicySchema } from './project.schema.ts';

// A project's de-identification profile: the option columns of PS3.15 Table E.1-1 as
// packages/deid's DeidOptions names them (a test in services/gateway keeps the two in step).
// The project's HMAC secret is never part of it.

const SafePrivateTagSchema = z
  .object({
    group: z.number().int().min(0x0009).max(0xffff).refine((g) => g % 2 === 1, 'private groups are odd'),
    creator: z.string().min(1).max(64).describe('Private Creator value that reserves the block'),
    element: z.number().int().min(0).max(0xff).describe('Element offset inside the block (low byte)'),
  })
  .strict();

export const DeidOptionsSchema = z
  .object({
    retainPatientCharacteristics: z.boolean(),
    retainLongitudinalTemporal: z.enum(['off', 'full', 'modified']),
    retainDeviceIdentity: z.boolean(),
    retainInstitutionIdentity: z.boolean(),
    retainUIDs: z.boolean(),
    retainSafePrivate: z.array(SafePrivateTagSchema).max(500),
    cleanDescriptors: z.boolean(),
    cleanStructuredContent: z.boolean(),
    cleanGraphics: z.boolean(),
  })
  .strict()
  .meta({ id: 'DeidOptions' });

export const DeidProfileSchema = z
  .object({ options: DeidOptionsSchema, burnedInPolicy: BurnedInPolicySchema })
  .meta({ id: 'DeidProfile' });

/** PUT body: any subset of options (the rest keep their current values) and/or the policy. */
export const UpdateDeidProfileBodySchema = z
  .object({ options: DeidOptionsSchema.partial().optional(), burnedInPolicy: BurnedInPolicySchema.optional() })
  .strict();
