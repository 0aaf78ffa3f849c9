// Done-when "UID consistency": the multi-series studies of pydicom's dicomdirtests keep their
// study/series/frame-of-reference grouping after mapping, references follow the referenced
// instance's new UID, and re-running gives identical bytes.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseDicom, writeDicom } from '@medgrade/dicom';
import { beforeAll, describe, expect, it } from 'vitest';
import { DICOMDIR_TESTS } from './corpus.ts';
import type { Outcome } from './helpers.ts';
import { runAll, SECRET } from './helpers.ts';
import { DEFAULT_DEID_OPTIONS, deidentify } from '../src/index.ts';

const STUDY = 0x0020000d;
const SERIES = 0x0020000e;
const FRAME_OF_REFERENCE = 0x00200052;
const SOP_INSTANCE = 0x00080018;

function images(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return images(path);
    return /^\d+$/.test(name) ? [path] : [];
  });
}

const files = ['77654033', '98892001', '98892003'].flatMap((d) => images(join(DICOMDIR_TESTS, d)));
let outcomes: Outcome[] = [];
beforeAll(() => {
  outcomes = runAll(files);
});

/** Pairs (input value, output value) of one attribute across all files. */
function pairs(tag: number): [string, string][] {
  return outcomes.flatMap((o) => {
    const before = parseDicom(readFileSync(o.path)).dataset.getString(tag);
    const after = parseDicom(o.result!.output).dataset.getString(tag);
    return before === undefined ? [] : [[before, after ?? '']];
  });
}

/** True when equal inputs map to equal outputs and different inputs to different outputs. */
function isBijection(list: [string, string][]): boolean {
  const forward = new Map<string, string>();
  const backward = new Map<string, string>();
  for (const [a, b] of list) {
    if ((forward.get(a) ?? b) !== b || (backward.get(b) ?? a) !== a) return false;
    forward.set(a, b);
    backward.set(b, a);
  }
  return true;
}

describe('UID consistency over dicomdirtests', () => {
  it('de-identifies every image of the three patients', () => {
    expect(files.length).toBe(31);
    expect(outcomes.filter((o) => o.error !== undefined)).toEqual([]);
  });

  it('keeps study, series and frame-of-reference grouping', () => {
    for (const tag of [STUDY, SERIES, FRAME_OF_REFERENCE, SOP_INSTANCE]) {
      const list = pairs(tag);
      expect(list.length).toBeGreaterThan(20);
      expect(isBijection(list)).toBe(true);
      for (const [before, after] of list) expect(after).not.toBe(before);
    }
    expect(new Set(pairs(STUDY).map(([, b]) => b)).size).toBeGreaterThan(1);
    expect(new Set(pairs(SERIES).map(([, b]) => b)).size).toBeGreaterThan(3);
  });

  it('maps a reference to another instance to that instance’s new SOP Instance UID', () => {
    const [first, second] = outcomes as [Outcome, Outcome];
    const referenced = parseDicom(readFileSync(second.path)).dataset;
    const file = parseDicom(readFileSync(first.path));
    // Referenced Series Sequence (0008,1115) is outside Table E.1-1: kept, with its UIDs mapped.
    file.dataset.setItems(0x00081115, [
      [
        { tag: SERIES, vr: 'UI', value: referenced.getString(SERIES)! },
        { tag: 0x00081199, vr: 'SQ', value: [[{ tag: 0x00081150, vr: 'UI', value: referenced.getString(0x00080016)! }, { tag: 0x00081155, vr: 'UI', value: referenced.getString(SOP_INSTANCE)! }]] },
      ],
    ]);
    const out = parseDicom(deidentify(writeDicom(file), DEFAULT_DEID_OPTIONS, { secret: SECRET }).output).dataset;
    const item = out.items(0x00081115)![0]!;
    const target = parseDicom(second.result!.output).dataset;
    expect(item.getString(SERIES)).toBe(target.getString(SERIES));
    expect(item.items(0x00081199)![0]!.getString(0x00081155)).toBe(target.getString(SOP_INSTANCE));
    expect(item.items(0x00081199)![0]!.getString(0x00081150)).toBe(referenced.getString(0x00080016));
  });

  it('gives identical bytes when run again', () => {
    for (const o of runAll(files.slice(0, 8))) {
      const first = outcomes.find((p) => p.path === o.path)!;
      expect(Buffer.compare(o.result!.output, first.result!.output)).toBe(0);
    }
  });
});
