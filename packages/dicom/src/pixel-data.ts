import { DicomError } from './dicom.error.ts';
import type { DicomFile } from './file.ts';
import { Tags } from './tags.ts';

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
export function imageInfo(file: DicomFile): ImageInfo {
  const ds = file.dataset;
  const required = (t: number, name: string): number => {
    const v = ds.getNumber(t);
    if (v === undefined) throw new DicomError('BAD_VALUE', `image has no ${name}`, t);
    return v;
  };
  const bitsAllocated = required(Tags.BitsAllocated, 'Bits Allocated (0028,0100)');
  const bitsStored = ds.getNumber(Tags.BitsStored) ?? bitsAllocated;
  return {
    rows: required(Tags.Rows, 'Rows (0028,0010)'),
    columns: required(Tags.Columns, 'Columns (0028,0011)'),
    samplesPerPixel: ds.getNumber(Tags.SamplesPerPixel) ?? 1,
    photometricInterpretation: ds.getString(Tags.PhotometricInterpretation) ?? 'MONOCHROME2',
    planarConfiguration: ds.getNumber(Tags.PlanarConfiguration) ?? 0,
    bitsAllocated,
    bitsStored,
    highBit: ds.getNumber(Tags.HighBit) ?? bitsStored - 1,
    pixelRepresentation: ds.getNumber(Tags.PixelRepresentation) ?? 0,
    numberOfFrames: Math.max(1, ds.getNumber(Tags.NumberOfFrames) ?? 1),
    rescaleSlope: ds.getNumber(Tags.RescaleSlope) ?? 1,
    rescaleIntercept: ds.getNumber(Tags.RescaleIntercept) ?? 0,
    windowCenter: ds.getNumber(0x00281050),
    windowWidth: ds.getNumber(0x00281051),
  };
}

/** The PixelData element's bytes or fragments; undefined when the file has no pixel data. */
export function pixelData(file: DicomFile): PixelDataInfo | undefined {
  const ds = file.dataset;
  const e = ds.get(Tags.PixelData);
  if (e === undefined) return undefined;
  const base = { transferSyntaxUid: file.transferSyntaxUid, littleEndian: ds.context.littleEndian };
  if (e.fragments === undefined) return { ...base, encapsulated: false, bytes: ds.valueBytes(e), fragments: [], basicOffsetTable: [] };
  const source = ds.context.source;
  return {
    ...base,
    encapsulated: true,
    bytes: new Uint8Array(0),
    fragments: e.fragments.map((f) => source.subarray(f.offset, f.offset + f.length)),
    basicOffsetTable: e.basicOffsetTable ?? [],
  };
}

/**
 * Bytes of one frame: a slice of native data, or an encapsulated frame (fragments located through the
 * Basic Offset Table, else one frame per fragment, else all fragments for a single frame).
 */
export function frameBytes(file: DicomFile, index: number): Uint8Array {
  const px = pixelData(file);
  if (px === undefined) throw new DicomError('BAD_VALUE', 'file has no pixel data', Tags.PixelData);
  const info = imageInfo(file);
  if (!Number.isInteger(index) || index < 0 || index >= info.numberOfFrames) {
    throw new DicomError('BAD_VALUE', `frame ${index} out of range (file has ${info.numberOfFrames})`, Tags.PixelData);
  }
  if (!px.encapsulated) return nativeFrame(px.bytes, info, index);
  return encapsulatedFrame(px, info.numberOfFrames, index);
}

/** Native colour models that store two luminance samples per chroma pair (PS3.3 C.7.6.3.1.2). */
const NATIVE_422: ReadonlySet<string> = new Set(['YBR_FULL_422', 'YBR_PARTIAL_422']);

/** Whether native pixel data of this colour model holds 2 samples per pixel (Y1 Y2 Cb Cr …). */
export function isNative422(photometricInterpretation: string, samplesPerPixel: number): boolean {
  return samplesPerPixel === 3 && NATIVE_422.has(photometricInterpretation.trim());
}

/** Samples in one native frame: 2 per pixel for YBR_*_422, else SamplesPerPixel per pixel. */
export function nativeFrameSamples(info: Pick<ImageInfo, 'rows' | 'columns' | 'samplesPerPixel' | 'photometricInterpretation'>): number {
  const pixels = info.rows * info.columns;
  return isNative422(info.photometricInterpretation, info.samplesPerPixel) ? pixels * 2 : pixels * info.samplesPerPixel;
}

function nativeFrame(bytes: Uint8Array, info: ImageInfo, index: number): Uint8Array {
  const frameBits = nativeFrameSamples(info) * info.bitsAllocated;
  if (frameBits % 8 !== 0) throw new DicomError('BAD_VALUE', 'frames not byte aligned (1-bit multi-frame) are not sliced', Tags.PixelData);
  const size = frameBits / 8;
  if ((index + 1) * size > bytes.length) throw new DicomError('TRUNCATED', `pixel data holds fewer than ${index + 1} frames`, Tags.PixelData);
  return bytes.subarray(index * size, (index + 1) * size);
}

function encapsulatedFrame(px: PixelDataInfo, frames: number, index: number): Uint8Array {
  const { fragments, basicOffsetTable } = px;
  if (frames === 1) return concat(fragments);
  if (basicOffsetTable.length === frames) {
    // Offsets are measured from the first fragment's item header; each header is 8 bytes.
    const starts: number[] = [];
    let at = 0;
    for (const f of fragments) {
      starts.push(at);
      at += f.length + 8;
    }
    const from = starts.indexOf(basicOffsetTable[index]!);
    const next = index + 1 < frames ? starts.indexOf(basicOffsetTable[index + 1]!) : fragments.length;
    if (from < 0 || next < from) throw new DicomError('BAD_STRUCTURE', 'basic offset table does not point at fragments', Tags.PixelData);
    return concat(fragments.slice(from, next));
  }
  if (fragments.length === frames) return fragments[index]!;
  throw new DicomError('BAD_STRUCTURE', `cannot locate frame ${index}: ${fragments.length} fragments, no offset table`, Tags.PixelData);
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  return Buffer.concat(parts);
}
