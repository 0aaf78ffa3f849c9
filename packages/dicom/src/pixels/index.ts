export { checkFramePixels, decodeFrame, SUPPORTED_PIXEL_TRANSFER_SYNTAXES } from './decode.ts';
export { encodeNativeFrame, type NativeLayout } from './native.encode.ts';
export { decodedPhotometric, uncompressedDescription, type UncompressedDescription } from './photometric.ts';
export { decodeFirstFrame, openPixelFrames, readPixelSource, type PixelFrames } from './pixel-source.ts';
export { DEFAULT_MAX_FRAME_PIXELS, PixelDecodeError, PixelTransferSyntax, type DecodedFrame, type PixelErrorCode, type PixelLimits, type PixelSource } from './pixel.types.ts';
export { unpackBits } from './rle.decode.ts';
