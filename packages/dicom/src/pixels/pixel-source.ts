// Image attributes and the first frames' pixel bytes of a Part 10 buffer, read with this
// package's own parser (`parseDicom`, `imageInfo`, `frameBytes`), so pixels and headers come from
// one reading of the file. Parse faults become PixelDecodeError; messages carry no header values.
import { DicomError } from '../dicom.error.ts';
import type { DicomFile } from '../file.ts';
import { parseDicom } from '../parse.ts';
import { frameBytes, imageInfo, pixelData, type ImageInfo } from '../pixel-data.ts';
import { PixelDecodeError, type PixelSource } from './pixel.types.ts';

const MODALITY = 0x00080060;

function step<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof DicomError) throw new PixelDecodeError('BAD_PIXEL_DATA', `${what}: ${e.code}`);
    throw e;
  }
}

/** Image attributes and the bytes of the first `frameCount` frames of a DICOM Part 10 buffer. */
export function readPixelSource(bytes: Uint8Array, frameCount = 1): PixelSource {
  const file: DicomFile = step('the DICOM file could not be parsed', () => parseDicom(bytes));
  const px = pixelData(file);
  if (!px) throw new PixelDecodeError('NO_PIXEL_DATA', 'the instance has no PixelData');
  const info: ImageInfo = step('the image attributes are incomplete', () => imageInfo(file));
  const src: PixelSource = {
    transferSyntaxUid: px.transferSyntaxUid,
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
  if (!px.encapsulated) return { ...src, native: px.bytes };
  const count = Math.min(frameCount, info.numberOfFrames);
  return { ...src, encapsulatedFrames: Array.from({ length: count }, (_, i) => step(`frame ${i} could not be located`, () => frameBytes(file, i))) };
}
