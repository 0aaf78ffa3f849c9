import { deflateRawSync } from 'node:zlib';
import type { DicomDataset } from './dataset.ts';
import { DicomError } from './dicom.error.ts';
import type { DicomElement, Vr } from './dicom.types.ts';
import { TransferSyntax } from './dicom.types.ts';
import type { DicomFile, WriteOptions } from './file.ts';
import { formatTag, Tags } from './tags.ts';

/** medgrade's implementation UID: 2.25 + a fixed random 128-bit number (PS3.5 B.2). */
export const IMPLEMENTATION_CLASS_UID = '2.25.145372843162473318096574373325830123651';
export const IMPLEMENTATION_VERSION_NAME = 'MEDGRADE_0.1.0';

const LONG_LENGTH_VRS = new Set<Vr>(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);
const UNDEFINED = 0xffffffff;

/** Output as a list of views; concatenated once at the end so untouched runs are never copied twice. */
interface Out {
  chunks: Uint8Array[];
  size: number;
}
const push = (out: Out, bytes: Uint8Array): void => {
  if (bytes.length === 0) return;
  out.chunks.push(bytes);
  out.size += bytes.length;
};

interface Encoding {
  source: Uint8Array;
  littleEndian: boolean;
  explicitVr: boolean;
}

/**
 * Writes a Part 10 file: untouched byte ranges are copied verbatim from `file.source`, edited elements
 * are re-encoded in the file's transfer syntax, enclosing defined lengths recomputed, meta rebuilt.
 */
export function writeDicom(file: DicomFile, opts: WriteOptions = {}): Buffer {
  const parts = writeDicomParts(file, opts);
  let size = 0;
  for (const p of parts) size += p.length;
  const { into } = opts;
  if (into === undefined || into.length < size) return Buffer.concat(parts, size);
  const out = Buffer.from(into.buffer, into.byteOffset, size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * The same bytes as `writeDicom`, as a list of views (mostly into `file.source`) in file order. Hand them
 * to `fs.writevSync`/`FileHandle.writev` to write a file without assembling it in memory first:
 * allocating and touching a fresh output buffer costs more than the whole parse.
 */
export function writeDicomParts(file: DicomFile, opts: WriteOptions = {}): Uint8Array[] {
  const body: Out = { chunks: [], size: 0 };
  writeContent(file.dataset, body);
  let dataChunks = body.chunks;
  if (file.transferSyntaxUid === TransferSyntax.DeflatedExplicitVRLittleEndian) {
    dataChunks = [deflateRawSync(Buffer.concat(body.chunks, body.size))];
  }
  const head = new Uint8Array(132);
  if (opts.preamble !== undefined) head.set(opts.preamble.subarray(0, 128));
  head.set([0x44, 0x49, 0x43, 0x4d], 128);
  return [head, encodeMeta(file), ...dataChunks];
}

/** Content of a data set: clean runs of consecutive source elements are pushed as one view each. */
export function writeContent(ds: DicomDataset, out: Out): void {
  // Each data set carries its encoding: items of a UN sequence are implicit VR inside an explicit file.
  const enc: Encoding = ds.context;
  if (!ds.dirty && ds.span.contentStart >= 0) {
    push(out, enc.source.subarray(ds.span.contentStart, ds.span.contentEnd));
    return;
  }
  let runStart = -1;
  let runEnd = -1;
  for (const e of ds.elements) {
    if (e.offset >= 0 && e.dirty !== true) {
      if (runEnd === e.offset) {
        runEnd = e.end;
        continue;
      }
      if (runStart >= 0) push(out, enc.source.subarray(runStart, runEnd));
      runStart = e.offset;
      runEnd = e.end;
      continue;
    }
    if (runStart >= 0) push(out, enc.source.subarray(runStart, runEnd));
    runStart = runEnd = -1;
    writeElement(e, ds, enc, out);
  }
  if (runStart >= 0) push(out, enc.source.subarray(runStart, runEnd));
}

function writeElement(e: DicomElement, ds: DicomDataset, enc: Encoding, out: Out): void {
  if (e.items !== undefined) {
    writeSequence(e, enc, out);
    return;
  }
  if (e.fragments !== undefined) {
    // Encapsulated pixel data is only ever copied; an edit replaces it with a native value.
    push(out, enc.source.subarray(e.offset, e.end));
    return;
  }
  const value = ds.valueBytes(e);
  push(out, header(e.tag, e.vr, value.length, enc));
  push(out, value);
}

function writeSequence(e: DicomElement, enc: Encoding, out: Out): void {
  const inner: Out = { chunks: [], size: 0 };
  for (const item of e.items ?? []) {
    if (!item.dirty && item.span.offset >= 0) {
      push(inner, enc.source.subarray(item.span.offset, item.span.end));
      continue;
    }
    const content: Out = { chunks: [], size: 0 };
    writeContent(item, content);
    const undefinedLength = item.span.undefinedLength;
    push(inner, itemHeader(Tags.Item, undefinedLength ? UNDEFINED : content.size, enc));
    for (const c of content.chunks) push(inner, c);
    if (undefinedLength) push(inner, itemHeader(Tags.ItemDelimitationItem, 0, enc));
  }
  // Keeps VR UN for a sequence that arrived as UN (its items stay implicit VR little endian).
  push(out, header(e.tag, e.vr === 'UN' ? 'UN' : 'SQ', e.undefinedLength ? UNDEFINED : inner.size, enc));
  for (const c of inner.chunks) push(out, c);
  if (e.undefinedLength) push(out, itemHeader(Tags.SequenceDelimitationItem, 0, enc));
}

/** Element header in the file's encoding (PS3.5 7.1). */
function header(t: number, vr: Vr, length: number, enc: Encoding): Uint8Array {
  const longForm = !enc.explicitVr || LONG_LENGTH_VRS.has(vr);
  if (!longForm && length > 0xffff) {
    throw new DicomError('BAD_VALUE', `${formatTag(t)} (${vr}) value of ${length} bytes exceeds its 16-bit length field`, t);
  }
  // Bytes set one by one: a DataView per header cost more than the rest of the writer.
  const h = new Uint8Array(enc.explicitVr && longForm ? 12 : 8);
  put16(h, 0, t >>> 16, enc.littleEndian);
  put16(h, 2, t & 0xffff, enc.littleEndian);
  if (!enc.explicitVr) {
    put32(h, 4, length, enc.littleEndian);
    return h;
  }
  h[4] = vr.charCodeAt(0);
  h[5] = vr.charCodeAt(1);
  if (longForm) put32(h, 8, length, enc.littleEndian);
  else put16(h, 6, length, enc.littleEndian);
  return h;
}

function itemHeader(t: number, length: number, enc: Encoding): Uint8Array {
  const h = new Uint8Array(8);
  put16(h, 0, t >>> 16, enc.littleEndian);
  put16(h, 2, t & 0xffff, enc.littleEndian);
  put32(h, 4, length, enc.littleEndian);
  return h;
}

function put16(h: Uint8Array, at: number, v: number, littleEndian: boolean): void {
  h[at + (littleEndian ? 0 : 1)] = v & 0xff;
  h[at + (littleEndian ? 1 : 0)] = (v >>> 8) & 0xff;
}

function put32(h: Uint8Array, at: number, v: number, littleEndian: boolean): void {
  for (let i = 0; i < 4; i++) h[at + (littleEndian ? i : 3 - i)] = (v >>> (8 * i)) & 0xff;
}

const REBUILT_META = new Set<number>([
  Tags.FileMetaInformationGroupLength, Tags.FileMetaInformationVersion, Tags.MediaStorageSOPClassUID,
  Tags.MediaStorageSOPInstanceUID, Tags.TransferSyntaxUID, Tags.ImplementationClassUID, Tags.ImplementationVersionName,
]);

/** File meta group (PS3.10 7.1), explicit VR little endian; SOP class/instance follow the data set. */
function encodeMeta(file: DicomFile): Uint8Array {
  const text = (t: number, metaTag: number): string => file.dataset.getString(t) ?? file.meta.getString(metaTag) ?? '';
  const ascii = (s: string): Uint8Array => Buffer.from(s.length % 2 === 0 ? s : `${s}\0`, 'latin1');
  const entries: { tag: number; vr: Vr; value: Uint8Array }[] = [
    { tag: Tags.FileMetaInformationVersion, vr: 'OB', value: Uint8Array.of(0, 1) },
    { tag: Tags.MediaStorageSOPClassUID, vr: 'UI', value: ascii(text(Tags.SOPClassUID, Tags.MediaStorageSOPClassUID)) },
    { tag: Tags.MediaStorageSOPInstanceUID, vr: 'UI', value: ascii(text(Tags.SOPInstanceUID, Tags.MediaStorageSOPInstanceUID)) },
    { tag: Tags.TransferSyntaxUID, vr: 'UI', value: ascii(file.transferSyntaxUid) },
    { tag: Tags.ImplementationClassUID, vr: 'UI', value: ascii(IMPLEMENTATION_CLASS_UID) },
    { tag: Tags.ImplementationVersionName, vr: 'SH', value: Buffer.from(IMPLEMENTATION_VERSION_NAME.padEnd(IMPLEMENTATION_VERSION_NAME.length + (IMPLEMENTATION_VERSION_NAME.length % 2), ' '), 'latin1') },
  ];
  for (const e of file.meta.elements) {
    if (!REBUILT_META.has(e.tag) && e.items === undefined) entries.push({ tag: e.tag, vr: e.vr, value: file.meta.valueBytes(e) });
  }
  entries.sort((a, b) => a.tag - b.tag);
  const enc: Encoding = { source: new Uint8Array(0), littleEndian: true, explicitVr: true };
  const out: Out = { chunks: [], size: 0 };
  for (const e of entries) {
    push(out, header(e.tag, e.vr, e.value.length, enc));
    push(out, e.value);
  }
  const groupLength = header(Tags.FileMetaInformationGroupLength, 'UL', 4, enc);
  const lengthValue = new Uint8Array(4);
  new DataView(lengthValue.buffer).setUint32(0, out.size, true);
  return Buffer.concat([groupLength, lengthValue, ...out.chunks]);
}
