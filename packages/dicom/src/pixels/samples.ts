// Turning raw sample words into stored values: byte order, BitsStored masking, sign extension.
import { PixelDecodeError, type PixelSource } from './pixel.types.ts';

/** Reads sample `i` of a native buffer as an unsigned word of `bitsAllocated` bits. */
export function wordReader(bytes: Uint8Array, bitsAllocated: number, bigEndian: boolean): (i: number) => number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = !bigEndian;
  if (bitsAllocated === 8) return (i) => bytes[i] ?? 0;
  if (bitsAllocated === 16) return (i) => view.getUint16(i * 2, le);
  if (bitsAllocated === 32) return (i) => view.getUint32(i * 4, le);
  throw new PixelDecodeError('UNSUPPORTED_PIXEL_ENCODING', `BitsAllocated ${bitsAllocated} is not supported (8, 16 or 32)`);
}

/** Maps an unsigned word to its stored value per BitsStored and PixelRepresentation. */
export function storedValue(src: Pick<PixelSource, 'bitsStored' | 'pixelRepresentation'>): (word: number) => number {
  const bits = Math.min(Math.max(src.bitsStored, 1), 32);
  const mask = bits === 32 ? 0xffffffff : 2 ** bits - 1;
  const sign = 2 ** (bits - 1);
  if (src.pixelRepresentation !== 1) return (w) => (bits === 32 ? w >>> 0 : w & mask);
  return (w) => {
    const v = bits === 32 ? w >>> 0 : w & mask;
    return v >= sign ? v - 2 ** bits : v;
  };
}

/** Checks the attributes every decoder relies on. */
export function assertGeometry(src: PixelSource): void {
  if (!(src.rows > 0 && src.columns > 0)) throw new PixelDecodeError('BAD_PIXEL_DATA', 'Rows and Columns must be positive');
  if (src.samplesPerPixel !== 1 && src.samplesPerPixel !== 3) {
    throw new PixelDecodeError('UNSUPPORTED_PIXEL_ENCODING', `SamplesPerPixel ${src.samplesPerPixel} is not supported (1 or 3)`);
  }
}
