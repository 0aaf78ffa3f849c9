export { decodeFrame, decodeFirstFrame, SUPPORTED_PIXEL_TRANSFER_SYNTAXES } from './decode.ts';
export { readPixelSource } from './pixel-source.ts';
export { PixelDecodeError, PixelTransferSyntax, type DecodedFrame, type PixelErrorCode, type PixelSource } from './pixel.types.ts';
export { unpackBits } from './rle.decode.ts';
