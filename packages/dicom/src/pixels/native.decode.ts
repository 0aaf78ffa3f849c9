// Uncompressed PixelData (implicit/explicit little endian, explicit big endian).
import { PixelDecodeError, type DecodedFrame, type PixelSource } from './pixel.types.ts';
import { assertGeometry, storedValue, wordReader } from './samples.ts';

/** Decode frame `index` of native pixel data. */
export function decodeNativeFrame(src: PixelSource, index: number, bigEndian: boolean): DecodedFrame {
  assertGeometry(src);
  const bytes = src.native;
  if (!bytes) throw new PixelDecodeError('NO_PIXEL_DATA', 'the instance has no native PixelData');
  const pixels = src.rows * src.columns;
  const spp = src.samplesPerPixel;
  const wordBytes = src.bitsAllocated / 8;
  const frameWords = pixels * spp;
  const start = index * frameWords * wordBytes;
  if (start + frameWords * wordBytes > bytes.byteLength) {
    throw new PixelDecodeError('BAD_PIXEL_DATA', `PixelData holds ${bytes.byteLength} bytes, frame ${index} needs up to ${start + frameWords * wordBytes}`);
  }
  const read = wordReader(bytes.subarray(start, start + frameWords * wordBytes), src.bitsAllocated, bigEndian);
  const value = storedValue(src);
  const data = new Float32Array(frameWords);
  for (let s = 0; s < spp; s++) {
    for (let p = 0; p < pixels; p++) {
      const word = src.planarConfiguration === 1 ? s * pixels + p : p * spp + s;
      data[s * pixels + p] = value(read(word));
    }
  }
  return { rows: src.rows, columns: src.columns, samplesPerPixel: spp, photometricInterpretation: src.photometricInterpretation, data };
}
