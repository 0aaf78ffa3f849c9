// Picks the decoder for a transfer syntax. Everything else is refused with a typed error that
// names the encoding, so a caller can answer "convert to … first" instead of a 500.
import { decodeJpegBaselineFrame } from './jpeg.decode.ts';
import { decodeNativeFrame } from './native.decode.ts';
import { DEFAULT_MAX_FRAME_PIXELS, PixelDecodeError, PixelTransferSyntax as TS, type DecodedFrame, type PixelLimits, type PixelSource } from './pixel.types.ts';
import { decodeRleFrame } from './rle.decode.ts';

const NATIVE_LE: ReadonlySet<string> = new Set([TS.ImplicitVRLittleEndian, TS.ExplicitVRLittleEndian, TS.DeflatedExplicitVRLittleEndian]);

/** Transfer syntaxes `decodeFrame` accepts. */
export const SUPPORTED_PIXEL_TRANSFER_SYNTAXES: readonly string[] = [...NATIVE_LE, TS.ExplicitVRBigEndian, TS.RleLossless, TS.JpegBaseline];

function encapsulated(src: PixelSource, index: number): Uint8Array {
  const frame = src.encapsulatedFrames?.[index];
  if (!frame) throw new PixelDecodeError('NO_PIXEL_DATA', `encapsulated frame ${index} was not read`);
  return frame;
}

/**
 * Refuses a frame whose declared size passes the limit before any decoder allocates for it:
 * Rows and Columns are 16-bit, so a 1 KB header can declare a frame of 4 G pixels.
 */
export function checkFramePixels(src: Pick<PixelSource, 'rows' | 'columns' | 'samplesPerPixel'>, limits: PixelLimits = {}): void {
  const max = limits.maxFramePixels ?? DEFAULT_MAX_FRAME_PIXELS;
  const pixels = src.rows * src.columns * Math.max(1, src.samplesPerPixel);
  if (pixels > max) {
    throw new PixelDecodeError('TOO_LARGE', `a frame of ${src.rows} x ${src.columns} x ${src.samplesPerPixel} samples exceeds the limit of ${max} samples per frame`);
  }
}

/** Decode frame `index` (0-based) of a pixel source. */
export function decodeFrame(src: PixelSource, index = 0, limits: PixelLimits = {}): DecodedFrame {
  if (index < 0 || index >= src.numberOfFrames) throw new PixelDecodeError('NO_PIXEL_DATA', `frame ${index} does not exist (${src.numberOfFrames} frames)`);
  checkFramePixels(src, limits);
  const ts = src.transferSyntaxUid;
  if (NATIVE_LE.has(ts)) return decodeNativeFrame(src, index, false);
  if (ts === TS.ExplicitVRBigEndian) return decodeNativeFrame(src, index, true);
  if (ts === TS.RleLossless) return decodeRleFrame(src, encapsulated(src, index));
  if (ts === TS.JpegBaseline) return decodeJpegBaselineFrame(src, encapsulated(src, index));
  throw new PixelDecodeError('UNSUPPORTED_PIXEL_ENCODING', `pixel encoding ${ts || '(no transfer syntax)'} is not supported; send uncompressed, RLE Lossless or JPEG Baseline`);
}
