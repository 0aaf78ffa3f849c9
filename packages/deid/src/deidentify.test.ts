import { createDicom, parseDicom } from '@medgrade/dicom';
import type { ElementSpec } from '@medgrade/dicom';
import { describe, expect, it } from 'vitest';
import { DeidError } from './deid.error.ts';
import { deidentify, releasableOutput } from './deidentify.ts';
import { BURNED_IN_REVIEWED_METHOD } from './method-codes.ts';
import { FEMALE_GIVEN } from './names.data.ts';
import { DEFAULT_DEID_OPTIONS, resolveOptions } from './options.ts';

const secret = Buffer.alloc(32, 5);
const MR = '1.2.840.10008.5.1.4.1.1.4';

function file(extra: ElementSpec[] = [], sopClassUid = MR): Buffer {
  return createDicom({
    sopClassUid,
    sopInstanceUid: '1.2.3.4.5.6.7.1',
    elements: [
      { tag: 0x00100010, vr: 'PN', value: 'DOE^JANE' },
      { tag: 0x00100020, vr: 'LO', value: 'PID12345' },
      { tag: 0x00100030, vr: 'DA', value: '19800512' },
      { tag: 0x00100040, vr: 'CS', value: 'F' },
      { tag: 0x00101010, vr: 'AS', value: '039Y' },
      { tag: 0x00080050, vr: 'SH', value: 'ACC778899' },
      { tag: 0x00080020, vr: 'DA', value: '20200115' },
      { tag: 0x00080021, vr: 'DA', value: '20200125' },
      { tag: 0x00080060, vr: 'CS', value: 'MR' },
      { tag: 0x00080090, vr: 'PN', value: 'HOUSE^GREGORY' },
      { tag: 0x0020000d, vr: 'UI', value: '1.2.3.4.5.6' },
      { tag: 0x0020000e, vr: 'UI', value: '1.2.3.4.5.6.7' },
      { tag: 0x00090010, vr: 'LO', value: 'ACME 1.0' },
      { tag: 0x00091001, vr: 'LO', value: 'private text' },
      ...extra,
    ],
  });
}

function run(buffer: Buffer, options = DEFAULT_DEID_OPTIONS, policy: 'reject' | 'quarantine' | 'flag' = 'quarantine') {
  const result = deidentify(buffer, options, { secret, burnedInPolicy: policy });
  return { ...result, ds: parseDicom(result.output).dataset };
}

function thrown(fn: () => unknown): DeidError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DeidError) return err;
    throw err;
  }
  throw new Error('expected a DeidError');
}

describe('deidentify', () => {
  it('replaces identity with sex-consistent deterministic surrogates and reports actions, not values', () => {
    const { ds, report, output } = run(file());
    const [family, given] = (ds.getString(0x00100010) ?? '').split('^');
    expect(FEMALE_GIVEN).toContain(given);
    expect(family).not.toBe('DOE');
    expect(ds.getString(0x00100020)).toMatch(/^MG\d{8}$/);
    expect(ds.getString(0x00080050)).toMatch(/^A\d{9}$/);
    expect(ds.getString(0x00100030)).toBe('');
    expect(ds.getString(0x00080090)).toBe('');
    expect(ds.has(0x00091001)).toBe(false);
    expect(report).toMatchObject({ sex: 'F', ageBand: '30-39', modality: 'MR', privateRemoved: 2 });
    expect(report.actions['(0010,0010)']).toBe('Z');
    expect(report.actions['(0020,000D)']).toBe('U');
    expect(JSON.stringify(report)).not.toMatch(/DOE|PID12345|19800512|ACC778899/);
    expect(run(file()).output.equals(output)).toBe(true);
  });

  it('writes into a caller\'s buffer when given one: the same bytes, verified there', () => {
    const input = file();
    const fresh = deidentify(input, DEFAULT_DEID_OPTIONS, { secret, burnedInPolicy: 'flag' });
    const room = Buffer.alloc(input.length + 4096);
    const reused = deidentify(input, DEFAULT_DEID_OPTIONS, { secret, burnedInPolicy: 'flag', outputInto: room });
    expect(reused.output.buffer).toBe(room.buffer);
    expect(reused.verified.source.buffer).toBe(room.buffer);
    expect(reused.output.equals(fresh.output)).toBe(true);
    expect(reused.report).toEqual(fresh.report);
  });

  it('shifts dates per patient keeping intervals, or keeps them with full dates', () => {
    const { ds } = run(file());
    const day = (da: string) => Date.UTC(Number(da.slice(0, 4)), Number(da.slice(4, 6)) - 1, Number(da.slice(6)));
    const study = ds.getString(0x00080020) ?? '';
    const series = ds.getString(0x00080021) ?? '';
    expect(study).not.toBe('20200115');
    expect((day(series) - day(study)) / 86_400_000).toBe(10);
    expect(ds.getString(0x00280303)).toBe('MODIFIED');
    const full = run(file(), resolveOptions({ retainLongitudinalTemporal: 'full' })).ds;
    expect(full.getString(0x00080020)).toBe('20200115');
    expect(full.items(0x00120064)?.map((i) => i.getString(0x00080100))).toEqual(['113100', '113106', '113108']);
  });

  it('keeps allow-listed private elements only', () => {
    const options = resolveOptions({ retainSafePrivate: [{ group: 0x0009, creator: 'ACME 1.0', element: 0x01 }] });
    const { ds } = run(file(), options);
    expect(ds.getString(0x00091001)).toBe('private text');
    expect(ds.getString(0x00090010)).toBe('ACME 1.0');
  });

  it('cleans a kept attribute that carries the patient\'s name or ID and reports its tag, never the value', () => {
    const name = run(file([{ tag: 0x00180015, vr: 'CS', value: 'JANE DOE' }]));
    expect(name.ds.getString(0x00180015) ?? '').toBe('');
    expect(name.report.keptCleaned).toEqual(['(0018,0015)']);
    expect(JSON.stringify(name.report)).not.toMatch(/JANE|DOE/);
    const id = run(file([{ tag: 0x00080070, vr: 'LO', value: 'PID12345' }]));
    expect(id.ds.getString(0x00080070)).toBe('REMOVED');
    expect(id.report.keptCleaned).toEqual(['(0008,0070)']);
    expect(run(file()).report.keptCleaned).toEqual([]);
  });

  it('applies the burned-in policy from the header', () => {
    const us = file([{ tag: 0x00080060, vr: 'CS', value: 'US' }]);
    expect(thrown(() => run(us, DEFAULT_DEID_OPTIONS, 'reject')).code).toBe('BURNED_IN_REJECTED');
    expect(run(us, DEFAULT_DEID_OPTIONS, 'flag').report.burnedIn).toEqual({ risk: true, reason: 'modality', decision: 'flag' });
    expect(run(us).report.burnedIn.decision).toBe('quarantine');
    const said = file([{ tag: 0x00280301, vr: 'CS', value: 'YES' }]);
    expect(run(said, DEFAULT_DEID_OPTIONS, 'flag').report.burnedIn.reason).toBe('burned-in-annotation');
    const cleared = file([{ tag: 0x00080060, vr: 'CS', value: 'US' }, { tag: 0x00280301, vr: 'CS', value: 'NO' }]);
    expect(run(cleared, DEFAULT_DEID_OPTIONS, 'reject').report.burnedIn.decision).toBe('none');
  });

  it('releases no output that the burned-in policy holds for review', () => {
    const us = file([{ tag: 0x00080060, vr: 'CS', value: 'US' }]);
    expect(thrown(() => releasableOutput(run(us))).code).toBe('BURNED_IN_REVIEW');
    expect(releasableOutput(run(us, DEFAULT_DEID_OPTIONS, 'flag'))).toBeInstanceOf(Buffer);
    expect(releasableOutput(run(file()))).toBeInstanceOf(Buffer);
  });

  it('keeps a reviewed file whatever the policy, flagged, and records the review in DeidentificationMethod', () => {
    const us = file([{ tag: 0x00080060, vr: 'CS', value: 'US' }]);
    for (const burnedInPolicy of ['quarantine', 'reject'] as const) {
      const result = deidentify(us, DEFAULT_DEID_OPTIONS, { secret, burnedInPolicy, burnedInReviewed: true });
      expect(result.report.burnedIn).toEqual({ risk: true, reason: 'modality', decision: 'flag' });
      expect(releasableOutput(result)).toBe(result.output);
      expect(parseDicom(result.output).dataset.getStrings(0x00120063)).toContain(BURNED_IN_REVIEWED_METHOD);
    }
    // Without a risk there is nothing the reviewer accepted: the method says nothing of a review.
    const plain = deidentify(file(), DEFAULT_DEID_OPTIONS, { secret, burnedInReviewed: true });
    expect(parseDicom(plain.output).dataset.getStrings(0x00120063)).not.toContain(BURNED_IN_REVIEWED_METHOD);
    expect(run(us, DEFAULT_DEID_OPTIONS, 'flag').ds.getStrings(0x00120063)).not.toContain(BURNED_IN_REVIEWED_METHOD);
  });

  it('refuses a short secret and non-DICOM input with typed errors', () => {
    expect(thrown(() => deidentify(file(), DEFAULT_DEID_OPTIONS, { secret: Buffer.alloc(8) })).code).toBe('BAD_SECRET');
    expect(thrown(() => deidentify(Buffer.from('hello'), DEFAULT_DEID_OPTIONS, { secret })).code).toBe('NOT_DICOM');
  });
});

describe('instance UIDs outside Table E.1-1', () => {
  it('maps them too (they would link back to the originals), but never class UIDs', () => {
    const { ds, report } = run(file([
      { tag: 0x00200242, vr: 'UI', value: '1.2.3.4.5.6.7.99' }, // SOP Instance UID of Concatenation Source
      { tag: 0x00081150, vr: 'UI', value: '1.2.3.99.1' }, // Referenced SOP Class UID (private class)
    ]));
    expect(ds.getString(0x00200242)).toMatch(/^2\.25\./);
    expect(ds.getString(0x00081150)).toBe('1.2.3.99.1');
    expect(report.actions['(0020,0242)']).toBe('U');
  });
});

describe('a newborn', () => {
  it('keeps a study date equal to the removed birth date under Retain Full Dates', () => {
    const newborn = file([{ tag: 0x00080020, vr: 'DA', value: '19800512' }]);
    const { ds } = run(newborn, resolveOptions({ retainLongitudinalTemporal: 'full' }));
    expect(ds.getString(0x00080020)).toBe('19800512');
    expect(ds.getString(0x00100030)).toBe('');
  });
});

describe('sequences sent as UN', () => {
  it('are emptied or replaced as sequences, whether or not their items could be read', () => {
    const raw = Buffer.from('not an item list', 'latin1');
    const { ds, report } = run(file([{ tag: 0x00400513, vr: 'UN', value: raw }, { tag: 0x0040a073, vr: 'UN', value: raw }]));
    expect(ds.items(0x00400513)).toEqual([]); // Issuer of the Container Identifier Sequence: Z
    expect(ds.items(0x0040a073)).toHaveLength(1); // Verifying Observer Sequence: D
    expect(report.actions['(0040,0513)']).toBe('Z');
  });
});
