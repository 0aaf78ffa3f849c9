import { createDicom, parseDicom } from '@medgrade/dicom';
import { describe, expect, it } from 'vitest';
import { enabledColumns } from './action.resolve.ts';
import { resolveOptions } from './options.ts';
import { filterPrivate } from './private.filter.ts';
import type { Run } from './run.types.ts';

function dataset() {
  return parseDicom(
    createDicom({
      sopClassUid: '1.2.840.10008.5.1.4.1.1.4',
      sopInstanceUid: '1.2.3',
      elements: [
        { tag: 0x00190010, vr: 'LO', value: 'OTHER VENDOR' },
        { tag: 0x00190011, vr: 'LO', value: 'SIEMENS MR HEADER' }, // block 0x11 this time, not 0x10
        { tag: 0x0019100c, vr: 'LO', value: 'other' },
        { tag: 0x0019110c, vr: 'DS', value: '1000' },
        { tag: 0x0019110d, vr: 'LO', value: 'dropped' },
        { tag: 0x00290010, vr: 'LO', value: 'SIEMENS MR HEADER' },
        { tag: 0x0029100c, vr: 'LO', value: 'wrong group' },
      ],
    }),
  ).dataset;
}

function run(options = resolveOptions({ retainSafePrivate: [{ group: 0x0019, creator: 'SIEMENS MR HEADER', element: 0x0c }] })): Run {
  const safe = new Map<number, typeof options.retainSafePrivate>();
  for (const s of options.retainSafePrivate) safe.set(s.group, [...(safe.get(s.group) ?? []), s]);
  return { options, enabled: enabledColumns(options), safePrivate: safe, privateRemoved: 0 } as unknown as Run;
}

describe('filterPrivate', () => {
  it('keeps an allow-listed element by creator wherever its block landed, with its creator only', () => {
    const ds = dataset();
    const r = run();
    const kept = filterPrivate(ds, r);
    expect(kept.map((e) => e.tag)).toEqual([0x0019110c]);
    expect(ds.elements.filter((e) => (e.tag >>> 16) % 2 === 1).map((e) => e.tag)).toEqual([0x00190011, 0x0019110c]);
    expect(r.privateRemoved).toBe(5);
  });

  it('removes every private element when the option is off', () => {
    const ds = dataset();
    const r = run(resolveOptions());
    expect(filterPrivate(ds, r)).toEqual([]);
    expect(ds.elements.some((e) => (e.tag >>> 16) % 2 === 1)).toBe(false);
    expect(r.privateRemoved).toBe(7);
  });
});
