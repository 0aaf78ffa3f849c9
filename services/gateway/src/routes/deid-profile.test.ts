// The API's DeidOptions schema must stay the mirror of packages/deid's DeidOptions.
import { describe, expect, it } from 'vitest';
import { DeidOptionsSchema } from '@medgrade/contracts';
import { DEFAULT_DEID_OPTIONS, type DeidOptions } from '@medgrade/deid';

describe('DeidOptionsSchema', () => {
  it('accepts the engine defaults and has exactly the engine option keys', () => {
    const parsed = DeidOptionsSchema.parse(DEFAULT_DEID_OPTIONS);
    expect(parsed).toEqual(DEFAULT_DEID_OPTIONS);
    expect(Object.keys(DeidOptionsSchema.shape).sort()).toEqual(Object.keys(DEFAULT_DEID_OPTIONS).sort());
    // Compile-time: what the schema produces is an engine option set.
    const asEngine: DeidOptions = parsed;
    expect(asEngine.retainUIDs).toBe(false);
  });

  it('refuses even private groups and unknown options', () => {
    expect(DeidOptionsSchema.partial().safeParse({ retainSafePrivate: [{ group: 0x0010, creator: 'X', element: 1 }] }).success).toBe(false);
    expect(DeidOptionsSchema.partial().safeParse({ keepEverything: true }).success).toBe(false);
  });
});
