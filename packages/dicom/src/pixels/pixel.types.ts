/** Image attributes and raw pixel bytes of one DICOM instance, as the pixel decoders need them. */
export interface PixelSource {
  transferSyntaxUid: string;
  rows: number;
  columns: number;
  bitsAllocated: number;
  bitsStored: number;
  /** 0 unsigned, 1 two's complement. */
  pixelRepresentation: number;
  samplesPerPixel: number;
  /** 0 interleaved (R1G1B1R2…), 1 planar (R…G…B…). */
  planarConfiguration: number;
  numberOfFrames: number;
  photometricInterpretation: string;
  /** Native (uncompressed) PixelData bytes in file byte order. */
  native?: Uint8Array;
  /** Encapsulated PixelData: the compressed bytes of each requested frame, fragments joined. */
  encapsulatedFrames?: Uint8Array[];
  /** Modality LUT and VOI attributes the preprocessing needs (absent when the header lacks them). */
  rescaleSlope?: number;
  rescaleIntercept?: number;
  windowCenter?: number;
  windowWidth?: number;
  modality?: string;
}

/** One decoded frame: stored values (sign applied, masked to BitsStored), planar by sample. */
export interface DecodedFrame {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  /** Photometric interpretation of `data`: decodedPhotometric() of the stored one (JPEG YBR_FULL_422 → RGB; native 4:2:2 expanded → YBR_FULL). */
  photometricInterpretation: string;
  /** `samplesPerPixel` planes of `rows × columns` values, row-major. */
  data: Float32Array;
}

export type PixelErrorCode = 'UNSUPPORTED_PIXEL_ENCODING' | 'BAD_PIXEL_DATA' | 'NO_PIXEL_DATA' | 'TOO_LARGE';

/** Bounds on what decoding one instance may allocate (STYLE.md 20); services pass their configured values. */
export interface PixelLimits {
  /** Largest Rows x Columns x SamplesPerPixel of one frame a decoder allocates (default 128 Mi). */
  maxFramePixels?: number;
  /** Largest inflated data set of a deflated instance (see ParseOptions.maxInflatedBytes). */
  maxInflatedBytes?: number;
}

/** Default maxFramePixels: above a 16-bit 8192 x 8192 RGB frame, and far below what Rows x Columns can declare (65535 x 65535). */
export const DEFAULT_MAX_FRAME_PIXELS = 128 * 1024 * 1024;

/** Pixel data that cannot be decoded. Messages name the encoding or the fault, never header values. */
export class PixelDecodeError extends Error {
  readonly code: PixelErrorCode;
  constructor(code: PixelErrorCode, message: string) {
    super(message);
    this.name = 'PixelDecodeError';
    this.code = code;
  }
}

export const PixelTransferSyntax = {
  ImplicitVRLittleEndian: '1.2.840.10008.1.2',
  ExplicitVRLittleEndian: '1.2.840.10008.1.2.1',
  DeflatedExplicitVRLittleEndian: '1.2.840.10008.1.2.1.99',
  ExplicitVRBigEndian: '1.2.840.10008.1.2.2',
  JpegBaseline: '1.2.840.10008.1.2.4.50',
  RleLossless: '1.2.840.10008.1.2.5',
} as const;
