// Values kept as they are (issue 14 item 5): a C or K value survives only when well-formed for its
// attribute, a kept value never carries the patient's own name or ID tokens out, and the gate
// checks both on the written bytes.
import { createDicom, parseDicom, type ElementSpec } from '@medgrade/dicom';
import { describe, expect, it } from 'vitest';
import { deidentify } from './deidentify.ts';
import { DEFAULT_DEID_OPTIONS, resolveOptions, type DeidOptions } from './options.ts';
import { emptyNeedles } from './phi.needles.ts';
import { scanForPhi } from './phi.scan.ts';
import { isWellFormed } from './well-formed.ts';

const secret = Buffer.alloc(32, 9);
const CT = '1.2.840.10008.5.1.4.1.1.2';
const MARK = 'QZX00916MARK';

function file(extra: ElementSpec[]): Buffer {
  return createDicom({
    sopClassUid: CT,
    sopInstanceUid: '1.2.3.4.5.6.7.9',
    elements: [
      { tag: 0x00100010, vr: 'PN', value: 'FARNSWORTH^ELOISE' },
      { tag: 0x00100020, vr: 'LO', value: 'MRN4471' },
      { tag: 0x00080060, vr: 'CS', value: 'CT' },
      { tag: 0x0020000d, vr: 'UI', value: '1.2.3.4.5.6' },
      { tag: 0x0020000e, vr: 'UI', value: '1.2.3.4.5.6.7' },
      ...extra,
    ],
  });
}

function run(extra: ElementSpec[], options: DeidOptions = DEFAULT_DEID_OPTIONS) {
  const { output, report } = deidentify(file(extra), options, { secret, burnedInPolicy: 'flag' });
  return { output, report, ds: parseDicom(output).dataset };
}

describe('C values kept only when well-formed', () => {
  it('cleans free text planted in TimezoneOffsetFromUTC and keeps a real offset (default options)', () => {
    const planted = run([{ tag: 0x00080201, vr: 'SH', value: MARK }]);
    expect(planted.output.includes(MARK)).toBe(false);
    expect(planted.ds.getString(0x00080201) ?? '').toBe('');
    for (const offset of ['+0100', '-0500', '+1400']) expect(run([{ tag: 0x00080201, vr: 'SH', value: offset }]).ds.getString(0x00080201)).toBe(offset);
    expect(run([{ tag: 0x00080201, vr: 'SH', value: '+2500' }]).ds.getString(0x00080201) ?? '').toBe('');
  });

  it('keeps a time of day only when it is one, and dates under Retain Full Dates only when they are dates', () => {
    expect(run([{ tag: 0x00080030, vr: 'TM', value: MARK }]).output.includes(MARK)).toBe(false);
    expect(run([{ tag: 0x00080030, vr: 'TM', value: '101500.25' }]).ds.getString(0x00080030)).toBe('101500.25');
    const full = resolveOptions({ retainLongitudinalTemporal: 'full' });
    expect(run([{ tag: 0x00080020, vr: 'DA', value: '2020QZX1' }], full).output.includes('2020QZX1')).toBe(false);
    expect(run([{ tag: 0x00080020, vr: 'DA', value: '20200115' }], full).ds.getString(0x00080020)).toBe('20200115');
  });

  it('keeps patient characteristics (K by option) only when well-formed for their attribute', () => {
    const bad = run([{ tag: 0x00100040, vr: 'CS', value: 'QZXMARK' }, { tag: 0x00101020, vr: 'DS', value: MARK.slice(0, 10) }]);
    expect(bad.output.includes('QZXMARK')).toBe(false);
    expect(bad.output.includes(MARK.slice(0, 10))).toBe(false);
    const good = run([{ tag: 0x00100040, vr: 'CS', value: 'F' }, { tag: 0x00101020, vr: 'DS', value: '1.72' }]);
    expect(good.ds.getString(0x00100040)).toBe('F');
    expect(good.ds.getString(0x00101020)).toBe('1.72');
  });
});

describe("kept values and the patient's own names and identifiers", () => {
  it('cleans a family name written into ViewPosition and SequenceName, and the ID into BodyPartExamined', () => {
    const { output, ds, report } = run([
      { tag: 0x00185101, vr: 'CS', value: 'FARNSWORTH' },
      { tag: 0x00180024, vr: 'SH', value: 'ELOISE*tfl3d1' },
      { tag: 0x00180015, vr: 'CS', value: 'MRN4471' },
      { tag: 0x00080008, vr: 'CS', value: ['ORIGINAL', 'PRIMARY', 'AXIAL'] },
    ]);
    for (const leak of ['FARNSWORTH', 'ELOISE', 'MRN4471']) expect(output.includes(leak)).toBe(false);
    expect(ds.getString(0x00185101) ?? '').toBe('');
    expect(ds.getString(0x00180024)).toBe('REMOVED*tfl3d1');
    expect(report.keptCleaned.sort()).toEqual(['(0018,0015)', '(0018,0024)', '(0018,5101)']);
    // A kept value without a patient token is untouched.
    expect(ds.getString(0x00080008)).toBe('ORIGINAL\\PRIMARY\\AXIAL');
  });

  it('the gate reports a patient token in a kept value (kind patient) unless this run wrote it, and a malformed kept value', () => {
    const needles = emptyNeedles();
    needles.patientTokens.add('FARNSWORTH');
    const out = parseDicom(createDicom({ sopClassUid: CT, sopInstanceUid: '1.2.3', elements: [{ tag: 0x00185101, vr: 'CS', value: 'FARNSWORTH' }, { tag: 0x00080201, vr: 'SH', value: MARK }] })).dataset;
    const keptEverything = Object.assign(() => true, { generated: () => false });
    expect(scanForPhi(out, needles, keptEverything)).toMatchObject({ kind: 'patient', path: { tag: 0x00185101 } });
    expect(scanForPhi(out, needles, Object.assign(() => true, { generated: () => true }))).toBeUndefined();
    expect(scanForPhi(out, emptyNeedles(), keptEverything, new Set([0x00080201]))).toMatchObject({ kind: 'malformed', path: { tag: 0x00080201 } });
  });
});

describe('isWellFormed', () => {
  it('follows each grammar', () => {
    const cases: [number, Parameters<typeof isWellFormed>[1], string, boolean][] = [
      [0x00080201, 'SH', '+0530', true], [0x00080201, 'SH', '0530', false], [0x00080201, 'SH', '+05:30', false],
      [0x00080030, 'TM', '235960', true], [0x00080030, 'TM', '2400', false], [0x00080030, 'TM', '10:15:00', true],
      [0x00080020, 'DA', '20240229', true], [0x00080020, 'DA', '20230229', false], [0x00080020, 'DA', '2023.02.28', true],
      [0x0008002a, 'DT', '20240101120000.5+0100', true], [0x0008002a, 'DT', '2024011X', false],
      [0x00101010, 'AS', '039Y', true], [0x00101010, 'AS', '39Y', false],
      [0x00101020, 'DS', '-1.5e3', true], [0x00101020, 'DS', '1,5', false],
      [0x00200013, 'IS', '+42', true], [0x00200013, 'IS', '4.2', false],
      [0x00100040, 'CS', 'O', true], [0x00100040, 'CS', 'X', false], [0x00080060, 'CS', 'CT\\MR', true], [0x00080060, 'CS', 'ct', false],
      [0x00080018, 'UI', '1.2.840.10008', true], [0x00080018, 'UI', '1.02.3', false],
      [0x00081030, 'LO', 'anything at all', true], [0x00100040, 'CS', '', true],
    ];
    for (const [tag, vr, value, expected] of cases) expect([tag, value, isWellFormed(tag, vr, value)]).toEqual([tag, value, expected]);
  });
});
