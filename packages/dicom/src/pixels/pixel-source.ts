// Extracts the image attributes and the first frame's pixel bytes from a Part 10 buffer with
// dicom-parser (only packages/dicom touches it). Kept apart from the byte-preserving parser of
// this package because pixel decoding only needs flat group 0028 attributes and PixelData.
import dicomParser from 'dicom-parser';
import { inflateRawSync } from 'node:zlib';
import { PixelDecodeError, type PixelSource } from './pixel.types.ts';

type DataSet = ReturnType<typeof dicomParser.parseDicom>;
type Element = NonNullable<DataSet['elements'][string]>;

function num(ds: DataSet, tag: string): number | undefined {
  const v = ds.string(tag);
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number(v.split('\\')[0]);
  return Number.isFinite(n) ? n : undefined;
}

function inflater(bytes: Uint8Array, position: number): Uint8Array {
  const inflated = inflateRawSync(bytes.subarray(position));
  const out = new Uint8Array(position + inflated.byteLength);
  out.set(bytes.subarray(0, position));
  out.set(inflated, position);
  return out;
}

/** Bytes of frame `index` of encapsulated pixel data, fragments joined. */
function encapsulatedFrame(ds: DataSet, el: Element, index: number, frames: number): Uint8Array {
  const fragments = el.fragments ?? [];
  if (fragments.length === 0) throw new PixelDecodeError('NO_PIXEL_DATA', 'encapsulated PixelData has no fragments');
  const bot = el.basicOffsetTable ?? [];
  if (bot.length > 0 || frames > 1) {
    const table = bot.length > 0 ? bot : fragments.length === frames ? fragments.map((f) => f.offset) : dicomParser.createJPEGBasicOffsetTable(ds, el);
    return Uint8Array.from(dicomParser.readEncapsulatedImageFrame(ds, el, index, table));
  }
  return Uint8Array.from(dicomParser.readEncapsulatedPixelDataFromFragments(ds, el, 0, fragments.length));
}

/** Image attributes and the bytes of the first `frameCount` frames of a DICOM Part 10 buffer. */
export function readPixelSource(bytes: Uint8Array, frameCount = 1): PixelSource {
  let ds: DataSet;
  try {
    ds = dicomParser.parseDicom(bytes, { inflater } as unknown as Parameters<typeof dicomParser.parseDicom>[1]);
  } catch {
    throw new PixelDecodeError('BAD_PIXEL_DATA', 'the DICOM file could not be parsed for pixel data');
  }
  const el = ds.elements.x7fe00010;
  if (!el) throw new PixelDecodeError('NO_PIXEL_DATA', 'the instance has no PixelData');
  const frames = Math.max(1, num(ds, 'x00280008') ?? 1);
  const src: PixelSource = {
    transferSyntaxUid: (ds.string('x00020010') ?? '').replace(/\0/g, '').trim(),
    rows: ds.uint16('x00280010') ?? 0,
    columns: ds.uint16('x00280011') ?? 0,
    bitsAllocated: ds.uint16('x00280100') ?? 0,
    bitsStored: ds.uint16('x00280101') ?? ds.uint16('x00280100') ?? 0,
    pixelRepresentation: ds.uint16('x00280103') ?? 0,
    samplesPerPixel: ds.uint16('x00280002') ?? 1,
    planarConfiguration: ds.uint16('x00280006') ?? 0,
    numberOfFrames: frames,
    photometricInterpretation: (ds.string('x00280004') ?? 'MONOCHROME2').trim(),
    rescaleSlope: num(ds, 'x00281053'),
    rescaleIntercept: num(ds, 'x00281052'),
    windowCenter: num(ds, 'x00281050'),
    windowWidth: num(ds, 'x00281051'),
    modality: ds.string('x00080060')?.trim(),
  };
  if (el.encapsulatedPixelData) {
    const count = Math.min(frameCount, frames);
    src.encapsulatedFrames = Array.from({ length: count }, (_, i) => encapsulatedFrame(ds, el, i, frames));
  } else {
    src.native = ds.byteArray.subarray(el.dataOffset, el.dataOffset + el.length);
  }
  return src;
}
