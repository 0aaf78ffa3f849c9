import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, hashEvent } from './audit.hash.ts';
import { canonicalJson } from './canonical.ts';

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: null }], c: undefined } })).toBe('{"a":{"d":[2,{"y":null,"z":1}]},"b":1}');
  });
});

describe('hashEvent', () => {
  const base = { orgId: 'o', actor: 'a', action: 'x', resourceType: 't', resourceId: null, requestId: null, details: { k: 1, j: 2 }, prevHash: GENESIS_HASH, createdAt: new Date('2026-01-01T00:00:00.123Z') };
  it('is stable under key order and changes with any field', () => {
    expect(hashEvent(base)).toBe(hashEvent({ ...base, details: { j: 2, k: 1 } }));
    expect(hashEvent(base)).not.toBe(hashEvent({ ...base, actor: 'b' }));
    expect(hashEvent(base)).not.toBe(hashEvent({ ...base, prevHash: 'f'.repeat(64) }));
    expect(hashEvent(base)).toMatch(/^[0-9a-f]{64}$/);
  });
});
