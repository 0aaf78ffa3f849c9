import { describe, expect, it } from 'vitest';
import { enabledColumns, resolveAction } from './action.resolve.ts';
import { attributeType, iodKind } from './iod-types.ts';
import { DEFAULT_DEID_OPTIONS, resolveOptions } from './options.ts';
import { isRepeatingGroup, profileRow, PROFILE_SIZE } from './profile.ts';

const basic = enabledColumns(resolveOptions({ retainPatientCharacteristics: false, retainLongitudinalTemporal: 'off' }));
const defaults = enabledColumns(DEFAULT_DEID_OPTIONS);
const row = (tag: number) => {
  const r = profileRow(tag);
  if (r === undefined) throw new Error(`no row for ${tag.toString(16)}`);
  return r;
};

describe('Table E.1-1', () => {
  it('has every row of the 2024b table except the private-attributes rule', () => {
    expect(PROFILE_SIZE).toBe(620);
    expect(row(0x00100010)[1]).toBe('Z');
    expect(row(0x00080018)[1]).toBe('U');
    expect(row(0x60023000)[3]).toBe('Overlay Data');
    expect(row(0x501e0010)[3]).toBe('Curve Data');
    expect(profileRow(0x00280010)).toBeUndefined();
    expect(isRepeatingGroup(0x6002)).toBe(true);
    expect(isRepeatingGroup(0x6001)).toBe(false);
  });
});

describe('resolveAction', () => {
  it('resolves composite actions by the attribute type', () => {
    expect(resolveAction(row(0x00081010), basic, 3)).toBe('X'); // Station Name X/Z/D
    expect(resolveAction(row(0x00081010), basic, 2)).toBe('Z');
    expect(resolveAction(row(0x00081010), basic, 1)).toBe('D');
    expect(resolveAction(row(0x00100020), basic, 2)).toBe('Z'); // Patient ID Z/D
    expect(resolveAction(row(0x00081140), basic, 1)).toBe('U'); // Referenced Image Sequence X/Z/U*
  });

  it('keeps a present value (dummy or UIDs mapped) when the type is unknown', () => {
    expect(resolveAction(row(0x00081010), basic, undefined)).toBe('D');
    expect(resolveAction(row(0x00400555), basic, undefined)).toBe('Z'); // X/Z
    expect(resolveAction(row(0x00081140), basic, undefined)).toBe('U');
  });

  it('applies enabled options, C winning over K', () => {
    expect(resolveAction(row(0x00100040), defaults, 2)).toBe('K'); // sex kept with patient characteristics
    expect(resolveAction(row(0x00100040), basic, 2)).toBe('Z');
    expect(resolveAction(row(0x00080020), defaults, undefined)).toBe('C'); // study date shifted
    const devAndDates = enabledColumns(resolveOptions({ retainDeviceIdentity: true }));
    expect(resolveAction(row(0x00181203), devAndDates, undefined)).toBe('C'); // Calibration DateTime
    const full = enabledColumns(resolveOptions({ retainLongitudinalTemporal: 'full' }));
    expect(resolveAction(row(0x00080020), full, undefined)).toBe('K');
  });

  it('knows enhanced IODs make device identity Type 1', () => {
    expect(attributeType(0x00181000, iodKind('1.2.840.10008.5.1.4.1.1.4.1', true), 0)).toBe(1);
    expect(attributeType(0x00181000, iodKind('1.2.840.10008.5.1.4.1.1.4', true), 0)).toBe(3);
    expect(attributeType(0x00181000, iodKind('1.2.840.10008.5.1.4.1.1.88.11', false), 0)).toBeUndefined();
    expect(attributeType(0x00181000, 'classic-image', 1)).toBeUndefined();
  });
});
