// Uncompressed PixelData (implicit/explicit little endian, explicit big endian).
import { isNative422, nativeFrameSamples } from '../pixel-data.ts';
import { PixelDecodeError, type DecodedFrame, type PixelSource } from './pixel.types.ts';
import { assertGeometry, storedValue, wordReader } from './samples.ts';

/** YBR_FULL_422 words (Y1 Y2 Cb Cr per pixel pair, PS3.3 C.7.6.3.1.2) to full-resolution planes. */
function expand422(read: (i: number) => number, value: (w: number) => number, pixels: number): Float32Array {
  const data = new Float32Array(pixels * 3);
  for (let p = 0, word = 0; p < pixels; p += 2, word += 4) {
    data[p] = value(read(word));
    data[p + 1] = value(read(word + 1));
    data[pixels + p] = data[pixels + p + 1] = value(read(word + 2));
    data[2 * pixels + p] = data[2 * pixels + p + 1] = value(read(word + 3));
  }
  return data;
}

function planes(src: PixelSource, read: (i: number) => number, value: (w: number) => number): Float32Array {
  const pixels = src.rows * src.columns;
  const spp = src.samplesPerPixel;
  const data = new Float32Array(pixels * spp);
  for (let s = 0; s < spp; s++) {
    for (let p = 0; p < pixels; p++) {
      const word = src.planarConfiguration === 1 ? s * pixels + p : p * spp + s;
      data[s * pixels + p] = value(read(word));
    }
  }
  return data;
}

/** Decode frame `index` of native pixel data; YBR_FULL_422 comes back as full-resolution YBR_FULL. */
export function decodeNativeFrame(src: PixelSource, index: number, bigEndian: boolean): DecodedFrame {
  assertGeometry(src);
  const bytes = src.native;
  if (!bytes) throw new PixelDecodeError('NO_PIXEL_DATA', 'the instance has no native PixelData');
  const subsampled = isNative422(src.photometricInterpretation, src.samplesPerPixel);
  if (subsampled && src.columns % 2 !== 0) throw new PixelDecodeError('UNSUPPORTED_PIXEL_ENCODING', 'YBR 4:2:2 pixel data with an odd number of columns is not supported');
  const wordBytes = src.bitsAllocated / 8;
  const frameWords = nativeFrameSamples(src);
  const start = index * frameWords * wordBytes;
  if (start + frameWords * wordBytes > bytes.byteLength) {
    throw new PixelDecodeError('BAD_PIXEL_DATA', `PixelData holds ${bytes.byteLength} bytes, frame ${index} needs up to ${start + frameWords * wordBytes}`);
  }
  const read = wordReader(bytes.subarray(start, start + frameWords * wordBytes), src.bitsAllocated, bigEndian);
  const value = storedValue(src);
  const data = subsampled ? expand422(read, value, src.rows * src.columns) : planes(src, read, value);
  // Chroma shared by each pixel pair is full-resolution YBR_FULL once expanded (YBR_PARTIAL_422 stays named, unrendered).
  const photometric = subsampled && src.photometricInterpretation.trim() === 'YBR_FULL_422' ? 'YBR_FULL' : src.photometricInterpretation;
  return { rows: src.rows, columns: src.columns, samplesPerPixel: src.samplesPerPixel, photometricInterpretation: photometric, data };
}
