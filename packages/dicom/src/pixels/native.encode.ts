// Decoded frames back to uncompressed bytes: what DICOMweb serves as
// application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1 (PS3.18 8.7.3.3.1), little endian
// words of BitsAllocated bits. Stored values come from the decoders already masked to BitsStored
// and sign-extended, so writing their low bits gives the two's complement word back.
import { PixelDecodeError, type DecodedFrame, type PixelSource } from './pixel.types.ts';

/** Native little-endian bytes of a decoded frame, samples laid out per `planarConfiguration`. */
export function encodeNativeFrame(frame: DecodedFrame, layout: Pick<PixelSource, 'bitsAllocated' | 'planarConfiguration'>): Uint8Array {
  const { bitsAllocated } = layout;
  if (bitsAllocated !== 8 && bitsAllocated !== 16 && bitsAllocated !== 32) {
    throw new PixelDecodeError('UNSUPPORTED_PIXEL_ENCODING', `BitsAllocated ${bitsAllocated} cannot be written natively (8, 16 or 32)`);
  }
  const pixels = frame.rows * frame.columns;
  const spp = frame.samplesPerPixel;
  const wordBytes = bitsAllocated / 8;
  const out = new Uint8Array(pixels * spp * wordBytes);
  const view = new DataView(out.buffer);
  // Planar input (sample s of pixel p at s*pixels+p) to the requested word order.
  const wordOf = layout.planarConfiguration === 1 || spp === 1 ? (s: number, p: number) => s * pixels + p : (s: number, p: number) => p * spp + s;
  for (let s = 0; s < spp; s++) {
    for (let p = 0; p < pixels; p++) {
      const v = frame.data[s * pixels + p] ?? 0;
      const at = wordOf(s, p) * wordBytes;
      if (wordBytes === 1) out[at] = v & 0xff;
      else if (wordBytes === 2) view.setUint16(at, v & 0xffff, true);
      else view.setUint32(at, v >>> 0, true);
    }
  }
  return out;
}
