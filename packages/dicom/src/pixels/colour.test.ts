// Colour models of decoded frames, against DCMTK's default decompression on pydicom's colour
// files: dcmdjpeg (+cp: YCbCr JPEG → RGB), dcmdrle and dcmconv write the uncompressed object whose
// Image Pixel attributes and bytes uncompressedDescription() + encodeNativeFrame() must reproduce.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { frameBytes, imageInfo, parseDicom } from '../index.ts';
import { decodeFirstFrame, encodeNativeFrame, openPixelFrames, uncompressedDescription } from './index.ts';
import { jpegColourMarkers } from './jpeg.markers.ts';

const PYDICOM = '/usr/lib/python3/dist-packages/pydicom/data/test_files';
const tmp = mkdtempSync(join(tmpdir(), 'colour-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The object a DCMTK tool writes from `input`: its image attributes and frame `index` bytes. */
function dcmtk(tool: string, input: string, args: string[] = [], index = 0) {
  const out = join(tmp, `${tool}-${args.join('')}-${input.split('/').pop()}`);
  execFileSync(tool, [...args, input, out]);
  const file = parseDicom(readFileSync(out));
  return { path: out, info: imageInfo(file), bytes: frameBytes(file, index) };
}

/** Our uncompressed frame `index` of `path` and the attributes it is described with. */
function ours(path: string, index = 0) {
  const frames = openPixelFrames(readFileSync(path));
  const described = uncompressedDescription(frames.source, frames.encapsulated);
  return { described, bytes: encodeNativeFrame(frames.decode(index), described) };
}

function diffs(a: Uint8Array, b: Uint8Array): { max: number; mean: number } {
  expect(a.length).toBe(b.length);
  let max = 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    max = Math.max(max, d);
    sum += d;
  }
  return { max, mean: sum / a.length };
}

describe('JPEG Baseline colour decodes as dcmdjpeg writes it', () => {
  const cases = [
    { file: 'SC_rgb_dcmtk_+eb+cy+s2.dcm', stored: 'YBR_FULL_422', note: 'YCbCr 4:2:2, JFIF' },
    { file: 'SC_rgb_dcmtk_+eb+cy+s4.dcm', stored: 'YBR_FULL', note: 'YCbCr 4:4:4, JFIF' },
    { file: 'SC_rgb_dcmtk_+eb+cr.dcm', stored: 'RGB', note: 'RGB components, Adobe transform 0' },
    { file: 'SC_jpeg_no_color_transform.dcm', stored: 'RGB', note: 'RGB components, no colour marker' },
  ];
  for (const { file, stored, note } of cases) {
    it(`${file} (${stored}, ${note}): RGB interleaved, as dcmdjpeg's output says and holds`, () => {
      const path = join(PYDICOM, file);
      expect(openPixelFrames(readFileSync(path)).source.photometricInterpretation).toBe(stored);
      const ref = dcmtk('dcmdjpeg', path);
      const got = ours(path);
      expect(got.described).toEqual({ photometricInterpretation: ref.info.photometricInterpretation.trim(), planarConfiguration: ref.info.planarConfiguration, bitsAllocated: 8 });
      expect(got.described.photometricInterpretation).toBe('RGB');
      const d = diffs(got.bytes, ref.bytes);
      // IDCT and colour conversion rounding (this image's colour edges fall between chroma pairs,
      // so jpeg-js's replicated 4:2:2 chroma equals libjpeg's interpolated one).
      expect(d.mean).toBeLessThan(0.5);
      expect(d.max).toBeLessThanOrEqual(2);
    });
  }

  it('YCbCr samples left unconverted would be far from the RGB frame (the comparison can fail)', () => {
    const path = join(PYDICOM, 'SC_rgb_dcmtk_+eb+cy+s4.dcm');
    const raw = dcmtk('dcmdjpeg', path, ['+cn']);
    expect(raw.info.photometricInterpretation).toBe('YBR_FULL');
    expect(diffs(ours(path).bytes, raw.bytes).mean).toBeGreaterThan(20);
  });

  it('reads the colour markers: JFIF, Adobe transform flag, none', () => {
    const markers = (file: string) => jpegColourMarkers(openPixelFrames(readFileSync(join(PYDICOM, file))).stored(0));
    expect(markers('SC_rgb_dcmtk_+eb+cy+s2.dcm')).toEqual({ jfif: true });
    expect(markers('SC_rgb_dcmtk_+eb+cr.dcm')).toMatchObject({ jfif: false, adobeTransform: 0 });
    expect(markers('SC_jpeg_no_color_transform.dcm')).toEqual({ jfif: false });
  });
});

describe('RLE and native colour keep their colour model and planar configuration', () => {
  it('RLE RGB with PlanarConfiguration 1 comes back colour-by-plane, as dcmdrle writes it', () => {
    const rle = dcmtk('dcmcrle', join(PYDICOM, 'SC_rgb_jpeg_dcmd.dcm'));
    // RLE codes colour plane by plane; PlanarConfiguration 1 asks for planes once decoded too (PS3.5 G.2 Note 2).
    execFileSync('dcmodify', ['-nb', '-m', '(0028,0006)=1', rle.path]);
    expect(imageInfo(parseDicom(readFileSync(rle.path))).planarConfiguration).toBe(1);
    const ref = dcmtk('dcmdrle', rle.path);
    const got = ours(rle.path);
    expect(got.described).toEqual({ photometricInterpretation: ref.info.photometricInterpretation.trim(), planarConfiguration: ref.info.planarConfiguration, bitsAllocated: 8 });
    expect(Buffer.from(got.bytes).equals(Buffer.from(ref.bytes))).toBe(true);
    // Colour-by-plane: the first third is all red samples, so it differs from the interleaved bytes.
    const interleaved = encodeNativeFrame(openPixelFrames(readFileSync(rle.path)).decode(0), { bitsAllocated: 8, planarConfiguration: 0 });
    expect(Buffer.from(interleaved).equals(Buffer.from(got.bytes))).toBe(false);
  });

  it('big endian RGB with PlanarConfiguration 1 equals dcmconv +te byte for byte', () => {
    const path = join(PYDICOM, 'ExplVR_BigEnd.dcm');
    const ref = dcmtk('dcmconv', path, ['+te']);
    const got = ours(path);
    expect(got.described).toEqual({ photometricInterpretation: 'RGB', planarConfiguration: 1, bitsAllocated: 8 });
    expect(ref.info.planarConfiguration).toBe(1);
    expect(Buffer.from(got.bytes).equals(Buffer.from(ref.bytes))).toBe(true);
  });

  it('native YBR_FULL_422 is sliced at 2 samples per pixel, expands to YBR_FULL as pydicom does, and writes back as stored', () => {
    const path = join(PYDICOM, 'SC_ybr_full_422_uncompressed.dcm');
    const file = parseDicom(readFileSync(path));
    expect(frameBytes(file, 0).length).toBe(100 * 100 * 2);
    const { frame } = decodeFirstFrame(readFileSync(path));
    expect(frame.photometricInterpretation).toBe('YBR_FULL');
    const script = 'import sys, pydicom; a = pydicom.dcmread(sys.argv[1]).pixel_array; sys.stdout.buffer.write(a.astype("uint8").tobytes())';
    const pydicomYbr = execFileSync('/usr/bin/python3', ['-c', script, path], { maxBuffer: 1 << 20 });
    const interleaved = encodeNativeFrame(frame, { bitsAllocated: 8, planarConfiguration: 0 });
    expect(Buffer.from(interleaved).equals(pydicomYbr)).toBe(true);
    const back = encodeNativeFrame(frame, { bitsAllocated: 8, planarConfiguration: 0, photometricInterpretation: 'YBR_FULL_422' });
    expect(Buffer.from(back).equals(Buffer.from(frameBytes(file, 0)))).toBe(true);
  });
});
