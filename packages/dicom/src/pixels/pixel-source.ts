// Image attributes and frame bytes of a Part 10 buffer, read with this package's own parser
// (`parseDicom`, `imageInfo`, `frameBytes`), so pixels and headers come from one reading of the
// file. Frames are located on demand: a caller that wants frame 40 of 96 neither copies nor
// decodes the other 95. Parse faults become PixelDecodeError; messages carry no header values.
import { DicomError } from '../dicom.error.ts';
import type { DicomFile } from '../file.ts';
import { parseDicom } from '../parse.ts';
import { frameBytes, imageInfo, pixelData, type ImageInfo } from '../pixel-data.ts';
import { checkFramePixels, decodeFrame } from './decode.ts';
import { PixelDecodeError, type DecodedFrame, type PixelLimits, type PixelSource } from './pixel.types.ts';

const MODALITY = 0x00080060;

function step<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof DicomError && e.code === 'TOO_LARGE') throw new PixelDecodeError('TOO_LARGE', `${what}: ${e.message}`);
    if (e instanceof DicomError) throw new PixelDecodeError('BAD_PIXEL_DATA', `${what}: ${e.code}`);
    throw e;
  }
}

/** The frames of one instance, each read (and decoded) only when asked for. */
export interface PixelFrames {
  /** Image attributes; `native` is set for uncompressed data, `encapsulatedFrames` is not filled. */
  source: PixelSource;
  /** Whether PixelData is encapsulated (compressed fragments) rather than native. */
  encapsulated: boolean;
  /** Stored bytes of frame `index` (0-based): a view of native data, or the frame's fragments joined. */
  stored(index: number): Uint8Array;
  /** Decodes frame `index` (0-based) alone. */
  decode(index: number): DecodedFrame;
}

function sourceOf(file: DicomFile, info: ImageInfo, transferSyntaxUid: string): PixelSource {
  return {
    transferSyntaxUid,
    rows: info.rows,
    columns: info.columns,
    bitsAllocated: info.bitsAllocated,
    bitsStored: info.bitsStored,
    pixelRepresentation: info.pixelRepresentation,
    samplesPerPixel: info.samplesPerPixel,
    planarConfiguration: info.planarConfiguration,
    numberOfFrames: info.numberOfFrames,
    photometricInterpretation: info.photometricInterpretation.trim(),
    rescaleSlope: info.rescaleSlope,
    rescaleIntercept: info.rescaleIntercept,
    windowCenter: info.windowCenter,
    windowWidth: info.windowWidth,
    modality: file.dataset.getString(MODALITY)?.trim(),
  };
}

/** Parses a DICOM Part 10 buffer once and gives access to its frames one at a time (TOO_LARGE past `limits`). */
export function openPixelFrames(bytes: Uint8Array, limits: PixelLimits = {}): PixelFrames {
  const file: DicomFile = step('the DICOM file could not be parsed', () => parseDicom(bytes, { maxInflatedBytes: limits.maxInflatedBytes }));
  const px = pixelData(file);
  if (!px) throw new PixelDecodeError('NO_PIXEL_DATA', 'the instance has no PixelData');
  const info = step('the image attributes are incomplete', () => imageInfo(file));
  checkFramePixels(info, limits);
  const header = sourceOf(file, info, px.transferSyntaxUid);
  const source = px.encapsulated ? header : { ...header, native: px.bytes };
  const stored = (index: number): Uint8Array => {
    if (!Number.isInteger(index) || index < 0 || index >= info.numberOfFrames) {
      throw new PixelDecodeError('NO_PIXEL_DATA', `frame ${index} does not exist (${info.numberOfFrames} frames)`);
    }
    return step(`frame ${index} could not be located`, () => frameBytes(file, index));
  };
  const decode = (index: number): DecodedFrame => {
    if (!px.encapsulated) return decodeFrame(source, index, limits);
    const encapsulatedFrames: Uint8Array[] = [];
    encapsulatedFrames[index] = stored(index);
    return decodeFrame({ ...source, encapsulatedFrames }, index, limits);
  };
  return { source, encapsulated: px.encapsulated, stored, decode };
}

/** Image attributes and the bytes of the first `frameCount` frames of a DICOM Part 10 buffer. */
export function readPixelSource(bytes: Uint8Array, frameCount = 1, limits: PixelLimits = {}): PixelSource {
  const frames = openPixelFrames(bytes, limits);
  if (!frames.encapsulated) return frames.source;
  const count = Math.min(frameCount, frames.source.numberOfFrames);
  return { ...frames.source, encapsulatedFrames: Array.from({ length: count }, (_, i) => frames.stored(i)) };
}

/** Decode the first frame of a DICOM Part 10 buffer. */
export function decodeFirstFrame(bytes: Uint8Array, limits: PixelLimits = {}): { source: PixelSource; frame: DecodedFrame } {
  // The source already holds frame 0's bytes: decoding from it locates and joins them only once.
  const source = readPixelSource(bytes, 1, limits);
  return { source, frame: decodeFrame(source, 0, limits) };
}
