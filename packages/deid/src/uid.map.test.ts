import { describe, expect, it } from 'vitest';
import { isWellKnownUid, mapUid } from './uid.map.ts';

const secret = Buffer.alloc(32, 1);

describe('mapUid', () => {
  it('maps to 2.25 + the decimal of the first 128 HMAC bits, deterministically', () => {
    const a = mapUid(secret, '1.2.3.4.5');
    expect(a).toMatch(/^2\.25\.[1-9]\d{0,38}$/);
    expect(BigInt(a.slice(5))).toBeLessThan(2n ** 128n);
    expect(mapUid(secret, '1.2.3.4.5')).toBe(a);
    expect(mapUid(secret, '1.2.3.4.5\0')).toBe(a);
    expect(mapUid(secret, '1.2.3.4.6')).not.toBe(a);
    expect(mapUid(Buffer.alloc(32, 2), '1.2.3.4.5')).not.toBe(a);
  });

  it('never maps well-known DICOM UIDs', () => {
    expect(isWellKnownUid('1.2.840.10008.5.1.4.1.1.4')).toBe(true);
    expect(mapUid(secret, '1.2.840.10008.5.1.4.1.1.4')).toBe('1.2.840.10008.5.1.4.1.1.4');
    expect(mapUid(secret, '1.2.840.10008.1.2.1')).toBe('1.2.840.10008.1.2.1');
  });

  it('uses the cache it is given', () => {
    const cache = new Map<string, string>();
    const a = mapUid(secret, '9.8.7', cache);
    expect(cache.get('9.8.7')).toBe(a);
  });
});
