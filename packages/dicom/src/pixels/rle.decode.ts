// RLE Lossless (PS3.5 Annex G): a 64-byte header of segment offsets, then one PackBits segment
// per byte plane, most significant byte first, for each sample in turn.
import { PixelDecodeError, type DecodedFrame, type PixelSource } from './pixel.types.ts';
import { assertGeometry, storedValue } from './samples.ts';

/** PackBits-decode `segment` into exactly `out.length` bytes. */
export function unpackBits(segment: Uint8Array, out: Uint8Array): void {
  let i = 0;
  let o = 0;
  while (o < out.length && i < segment.length) {
    const n = (segment[i++] ?? 0) << 24 >> 24;
    if (n >= 0) {
      const count = Math.min(n + 1, out.length - o, segment.length - i);
      out.set(segment.subarray(i, i + count), o);
      i += n + 1;
      o += count;
    } else if (n !== -128) {
      const count = Math.min(1 - n, out.length - o);
      out.fill(segment[i++] ?? 0, o, o + count);
      o += count;
    }
  }
  if (o < out.length) throw new PixelDecodeError('BAD_PIXEL_DATA', `RLE segment decoded to ${o} bytes, expected ${out.length}`);
}

function segments(frame: Uint8Array, expected: number): Uint8Array[] {
  if (frame.byteLength < 64) throw new PixelDecodeError('BAD_PIXEL_DATA', 'RLE frame is shorter than its 64-byte header');
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const count = view.getUint32(0, true);
  if (count !== expected) throw new PixelDecodeError('BAD_PIXEL_DATA', `RLE header lists ${count} segments, expected ${expected}`);
  const offsets = Array.from({ length: count }, (_, k) => view.getUint32(4 + 4 * k, true));
  return offsets.map((start, k) => {
    const end = k + 1 < count ? (offsets[k + 1] ?? frame.byteLength) : frame.byteLength;
    if (start < 64 || end > frame.byteLength || end < start) throw new PixelDecodeError('BAD_PIXEL_DATA', 'RLE segment offsets are out of range');
    return frame.subarray(start, end);
  });
}

/** Decode one RLE Lossless frame. */
export function decodeRleFrame(src: PixelSource, frame: Uint8Array): DecodedFrame {
  assertGeometry(src);
  const bytesPerSample = src.bitsAllocated / 8;
  if (![1, 2, 4].includes(bytesPerSample)) throw new PixelDecodeError('UNSUPPORTED_PIXEL_ENCODING', `RLE with BitsAllocated ${src.bitsAllocated} is not supported`);
  const pixels = src.rows * src.columns;
  const spp = src.samplesPerPixel;
  const planes = segments(frame, spp * bytesPerSample);
  const value = storedValue(src);
  const data = new Float32Array(pixels * spp);
  const plane = new Uint8Array(pixels);
  const words = new Uint32Array(pixels);
  for (let s = 0; s < spp; s++) {
    words.fill(0);
    for (let b = 0; b < bytesPerSample; b++) {
      unpackBits(planes[s * bytesPerSample + b] ?? new Uint8Array(), plane);
      const shift = 8 * (bytesPerSample - 1 - b);
      for (let p = 0; p < pixels; p++) words[p] = (words[p] ?? 0) + (plane[p] ?? 0) * 2 ** shift;
    }
    for (let p = 0; p < pixels; p++) data[s * pixels + p] = value(words[p] ?? 0);
  }
  return { rows: src.rows, columns: src.columns, samplesPerPixel: spp, photometricInterpretation: src.photometricInterpretation, data };
}
