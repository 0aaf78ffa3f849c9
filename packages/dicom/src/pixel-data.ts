import type { DicomFile } from './file.ts';

/** Image Pixel module attributes (PS3.3 C.7.6.3) with defaults for absent optional ones. */
export interface ImageInfo {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  photometricInterpretation: string;
  planarConfiguration: number;
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  /** 0 unsigned, 1 two's complement. */
  pixelRepresentation: number;
  numberOfFrames: number;
  rescaleSlope: number;
  rescaleIntercept: number;
  windowCenter: number | undefined;
  windowWidth: number | undefined;
}

/** Where the pixel data is: native bytes (file byte order) or encapsulated fragments. */
export interface PixelDataInfo {
  transferSyntaxUid: string;
  encapsulated: boolean;
  /** Byte order of native samples (explicit VR big endian files store OW big endian). */
  littleEndian: boolean;
  /** Native: all frames' bytes, a view into the source (no copy). Empty when encapsulated. */
  bytes: Uint8Array;
  /** Encapsulated: each fragment's bytes (views), Basic Offset Table item excluded. */
  fragments: Uint8Array[];
  /** Encapsulated: Basic Offset Table entries (empty when the table is empty). */
  basicOffsetTable: number[];
}

/** Image attributes of the top-level data set; throws BAD_VALUE when Rows/Columns/BitsAllocated are missing. */
export function imageInfo(_file: DicomFile): ImageInfo {
  throw new Error('not implemented yet');
}

/** The PixelData element's bytes or fragments; undefined when the file has no pixel data. */
export function pixelData(_file: DicomFile): PixelDataInfo | undefined {
  throw new Error('not implemented yet');
}

/**
 * Bytes of one frame: a slice of native data, or an encapsulated frame (fragments located through the
 * Basic Offset Table, else one frame per fragment, else all fragments for a single frame).
 */
export function frameBytes(_file: DicomFile, _index: number): Uint8Array {
  throw new Error('not implemented yet');
}
