import { describe, expect, it } from 'vitest';
import { FEMALE_GIVEN, MALE_GIVEN, NEUTRAL_GIVEN } from './names.data.ts';
import { surrogateAccession, surrogateAeTitle, surrogateName, surrogatePatientId } from './surrogate.ts';

const secret = Buffer.alloc(32, 9);
const given = (pn: string): string => pn.split('^')[1] as string;

describe('surrogates', () => {
  it('are deterministic per secret and original', () => {
    expect(surrogateName(secret, 'DOE^JOHN', 'M')).toBe(surrogateName(secret, 'doe^john ', 'M'));
    expect(surrogatePatientId(secret, '12345')).toBe(surrogatePatientId(secret, '12345'));
    expect(surrogatePatientId(Buffer.alloc(32, 8), '12345')).not.toBe(surrogatePatientId(secret, '12345'));
  });

  it('match the patient sex', () => {
    for (let i = 0; i < 30; i++) {
      expect(FEMALE_GIVEN).toContain(given(surrogateName(secret, `P${i}`, 'F')));
      expect(MALE_GIVEN).toContain(given(surrogateName(secret, `P${i}`, 'M')));
      expect(NEUTRAL_GIVEN).toContain(given(surrogateName(secret, `P${i}`, '')));
    }
  });

  it('look like real identifiers and fit their VRs', () => {
    expect(surrogatePatientId(secret, 'X')).toMatch(/^MG\d{8}$/);
    expect(surrogateAccession(secret, 'X')).toMatch(/^A\d{9}$/);
    expect(surrogateAeTitle(secret, 'CT_SCANNER_1')).toMatch(/^AE[0-9A-F]{8}$/);
    expect(surrogatePatientId(secret, 'A')).not.toBe(surrogatePatientId(secret, 'B'));
  });
});
