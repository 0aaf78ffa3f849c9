// Decoded frames back to uncompressed bytes: what DICOMweb serves as
// application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1 (PS3.18 8.7.3.3.1), little endian
// words of BitsAllocated bits, laid out as the given Image Pixel attributes say (the ones
// /metadata states). Stored values come from the decoders already masked to BitsStored and
// sign-extended, so writing their low bits gives the two's complement word back.
import { isNative422 } from '../pixel-data.ts';
import { PixelDecodeError, type DecodedFrame, type PixelSource } from './pixel.types.ts';

/** Layout of native bytes: word size, planar configuration, and (optionally) a 4:2:2 colour model. */
export type NativeLayout = Pick<PixelSource, 'bitsAllocated' | 'planarConfiguration'> & { photometricInterpretation?: string };

/** Word index of sample s of pixel p: planar (s*pixels+p) or interleaved; 4:2:2 is Y1 Y2 Cb Cr per pair. */
function wordIndex(layout: NativeLayout, spp: number, pixels: number, subsampled: boolean): (s: number, p: number) => number {
  if (spp === 1) return (_s, p) => p;
  if (subsampled) return (s, p) => (p >> 1) * 4 + (s === 0 ? p & 1 : s + 1);
  return layout.planarConfiguration === 1 ? (s, p) => s * pixels + p : (s, p) => p * spp + s;
}

/** Native little-endian bytes of a decoded frame, samples laid out per `layout`. */
export function encodeNativeFrame(frame: DecodedFrame, layout: NativeLayout): Uint8Array {
  const { bitsAllocated } = layout;
  if (bitsAllocated !== 8 && bitsAllocated !== 16 && bitsAllocated !== 32) {
    throw new PixelDecodeError('UNSUPPORTED_PIXEL_ENCODING', `BitsAllocated ${bitsAllocated} cannot be written natively (8, 16 or 32)`);
  }
  const pixels = frame.rows * frame.columns;
  const spp = frame.samplesPerPixel;
  // Only YBR samples go back to 4:2:2; an RGB frame decoded from a JPEG labelled YBR_FULL_422 stays whole.
  const subsampled = isNative422(layout.photometricInterpretation ?? '', spp) && frame.photometricInterpretation.startsWith('YBR');
  if (subsampled && pixels % 2 !== 0) throw new PixelDecodeError('UNSUPPORTED_PIXEL_ENCODING', 'YBR 4:2:2 needs an even number of pixels');
  const wordBytes = bitsAllocated / 8;
  const out = new Uint8Array((subsampled ? pixels * 2 : pixels * spp) * wordBytes);
  const view = new DataView(out.buffer);
  const wordOf = wordIndex(layout, spp, pixels, subsampled);
  for (let s = 0; s < spp; s++) {
    // 4:2:2 chroma: one word per pixel pair, written by the pair's first pixel.
    const step = subsampled && s > 0 ? 2 : 1;
    for (let p = 0; p < pixels; p += step) {
      const v = frame.data[s * pixels + p] ?? 0;
      const at = wordOf(s, p) * wordBytes;
      if (wordBytes === 1) out[at] = v & 0xff;
      else if (wordBytes === 2) view.setUint16(at, v & 0xffff, true);
      else view.setUint32(at, v >>> 0, true);
    }
  }
  return out;
}
