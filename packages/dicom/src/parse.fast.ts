// A direct reader for the common case: a Part 10 file whose data set is explicit VR little endian
// with defined-length values (sequences and items of either length). It builds the same tree that
// dicom-parser plus tree.ts build, without dicom-parser's string tags and element maps (about half
// of a parse). It accepts only input it reads exactly as that path does and returns undefined at
// the first oddity (tags out of order, an unknown VR, an undefined-length value that is not a
// sequence, a length past its container...), so the reference path parses it and reports the error.
import type { DatasetSpan, DicomContext } from './dataset.ts';
import { DicomDataset } from './dataset.ts';
import type { DicomElement, Vr } from './dicom.types.ts';
import { TransferSyntax, VRS } from './dicom.types.ts';
import type { DicomFile } from './file.ts';

const UNDEFINED = 0xffffffff;
const ITEM = 0xfffee000;
const ITEM_DELIMITER = 0xfffee00d;
const SEQUENCE_DELIMITER = 0xfffee0dd;
const META_END = 0x0002ffff;
const PREAMBLE = 132;
// VRs read here; OV, SV and UV are left to the reference path (it rejects them).
const VR_CODES = new Map<number, Vr>(VRS.filter((v) => v !== 'OV' && v !== 'SV' && v !== 'UV').map((v) => [(v.charCodeAt(0) << 8) | v.charCodeAt(1), v]));
// The VRs dicom-parser reads with a 4-byte length (PS3.5 Table 7.1-1 as of its release).
const LONG = new Set<Vr>(['OB', 'OD', 'OL', 'OW', 'SQ', 'OF', 'UC', 'UR', 'UT', 'UN']);

/** Thrown (and caught in parseFast) when the input leaves the subset this reader handles. */
class Unhandled extends Error {}

interface Reader {
  buf: Buffer;
  view: DataView;
  pos: number;
  context: DicomContext;
  maxDepth: number;
}

const bail = (): never => {
  throw new Unhandled();
};

/**
 * The parsed file, or undefined when the input is outside the subset (then the caller parses it
 * with dicom-parser, which also produces the error for bad input). Never throws.
 */
export function parseFast(buf: Buffer, maxDepth: number): DicomFile | undefined {
  if (buf.length < PREAMBLE || buf.readUInt32BE(128) !== 0x4449434d || looksLikeBareMeta(buf)) return undefined;
  try {
    const view = new DataView(buf.buffer, buf.byteOffset, buf.length);
    const metaContext: DicomContext = { source: buf, littleEndian: true, explicitVr: true };
    const r: Reader = { buf, view, pos: PREAMBLE, context: metaContext, maxDepth };
    const metaElements = readMeta(r);
    const ts = transferSyntax(buf, metaElements);
    if (ts === undefined) return undefined;
    const dataStart = r.pos;
    if (dataStart >= buf.length) return undefined; // dicom-parser refuses a meta group with no data set after it
    const meta = new DicomDataset(metaContext, metaElements, { offset: PREAMBLE, contentStart: PREAMBLE, contentEnd: dataStart, end: dataStart, undefinedLength: false });
    r.context = { source: buf, littleEndian: true, explicitVr: true };
    const span: DatasetSpan = { offset: dataStart, contentStart: dataStart, contentEnd: buf.length, end: buf.length, undefinedLength: false };
    const dataset = readDataset(r, span, buf.length, 0);
    return { transferSyntaxUid: ts, part10: true, meta, dataset, source: buf, warnings: [] };
  } catch (err) {
    if (err instanceof Unhandled || err instanceof RangeError) return undefined;
    throw err;
  }
}

/** What parse.ts treats as a meta group without preamble (it then adds one): left to it. */
function looksLikeBareMeta(buf: Buffer): boolean {
  const letter = (c: number | undefined): boolean => c !== undefined && c >= 0x41 && c <= 0x5a;
  return buf.readUInt16LE(0) === 0x0002 && letter(buf[4]) && letter(buf[5]);
}

/** Group 0002 elements from byte 132 (always explicit VR little endian); no sequences. */
function readMeta(r: Reader): DicomElement[] {
  const elements: DicomElement[] = [];
  let previous = -1;
  while (r.pos + 8 <= r.buf.length) {
    const t = tagAt(r, r.pos);
    if (t > META_END) break;
    if (t >>> 16 !== 2 || t <= previous) bail();
    const e = readElement(r);
    if (e.vr === 'SQ') bail();
    elements.push(e);
    previous = t;
  }
  return elements;
}

/** The meta group's transfer syntax when the data set is explicit VR little endian and not deflated. */
function transferSyntax(buf: Buffer, meta: DicomElement[]): string | undefined {
  const el = meta.find((e) => e.tag === 0x00020010);
  if (el === undefined) return undefined;
  const ts = buf.toString('latin1', el.valueOffset, el.end).replace(/[\0 ]+$/, '');
  if (ts === TransferSyntax.ExplicitVRLittleEndian) return ts;
  const encapsulated = ts.startsWith('1.2.840.10008.1.2.4.') || ts === '1.2.840.10008.1.2.5' || ts === '1.2.840.10008.1.2.1.98';
  return encapsulated ? ts : undefined;
}

function tagAt(r: Reader, at: number): number {
  return ((r.view.getUint16(at, true) << 16) | r.view.getUint16(at + 2, true)) >>> 0;
}

/**
 * Elements tiling [span.contentStart, span.contentEnd) in ascending tag order; for an item of
 * undefined length (contentEnd -1) up to its delimiter, found element by element as dicom-parser does.
 */
function readDataset(r: Reader, span: DatasetSpan, limit: number, depth: number): DicomDataset {
  if (depth > r.maxDepth) bail();
  const elements: DicomElement[] = [];
  const ds = new DicomDataset(r.context, elements, span);
  const open = span.contentEnd < 0;
  const end = open ? limit : span.contentEnd;
  let previous = -1;
  r.pos = span.contentStart;
  while (r.pos < end) {
    const t = tagAt(r, r.pos);
    if (open && t === ITEM_DELIMITER) return closeItem(r, span, limit, ds);
    if (t <= previous || t >= ITEM || t === 0) bail();
    const e = readElement(r);
    if (e.vr === 'SQ') e.items = readItems(r, e, ds, end, depth);
    if (e.end > end) bail();
    elements.push(e);
    previous = t;
  }
  if (open) bail();
  return ds;
}

/** Ends an item of undefined length at its delimiter (FFFE,E00D with a zero length). */
function closeItem(r: Reader, span: DatasetSpan, limit: number, ds: DicomDataset): DicomDataset {
  if (r.pos + 8 > limit || r.view.getUint32(r.pos + 4, true) !== 0) bail();
  span.contentEnd = r.pos;
  span.end = r.pos + 8;
  r.pos = span.end;
  return ds;
}

/** One element header at r.pos; leaves r.pos at its value (sequences) or after it. */
function readElement(r: Reader): DicomElement {
  const offset = r.pos;
  if (offset + 8 > r.buf.length) bail();
  const t = tagAt(r, offset);
  const vr = VR_CODES.get(r.view.getUint16(offset + 4, false)) ?? bail();
  const long = LONG.has(vr);
  if (long && offset + 12 > r.buf.length) bail();
  const length = long ? r.view.getUint32(offset + 8, true) : r.view.getUint16(offset + 6, true);
  const valueOffset = offset + (long ? 12 : 8);
  const undefinedLength = length === UNDEFINED;
  if (undefinedLength && vr !== 'SQ') bail();
  const end = undefinedLength ? -1 : valueOffset + length;
  if (end > r.buf.length) bail();
  r.pos = vr === 'SQ' ? valueOffset : end;
  return { tag: t, vr, offset, valueOffset, length: undefinedLength ? 0 : length, end, undefinedLength };
}

/** Items of a sequence whose header was just read (within `limit`); sets its length and end when undefined. */
function readItems(r: Reader, e: DicomElement, parent: DicomDataset, limit: number, depth: number): DicomDataset[] {
  const items: DicomDataset[] = [];
  const end = e.undefinedLength ? limit : e.end;
  for (;;) {
    if (!e.undefinedLength && r.pos === end) break;
    if (r.pos + 8 > end) bail();
    const t = tagAt(r, r.pos);
    if (e.undefinedLength && t === SEQUENCE_DELIMITER) {
      e.length = r.pos - e.valueOffset;
      e.end = r.pos + 8;
      break;
    }
    if (t !== ITEM) bail();
    const item = readItem(r, end, depth);
    item.parent = { dataset: parent, element: e };
    items.push(item);
  }
  r.pos = e.end;
  return items;
}

function readItem(r: Reader, limit: number, depth: number): DicomDataset {
  const offset = r.pos;
  const length = r.view.getUint32(offset + 4, true);
  const contentStart = offset + 8;
  if (length === UNDEFINED) {
    return readDataset(r, { offset, contentStart, contentEnd: -1, end: -1, undefinedLength: true }, limit, depth + 1);
  }
  const end = contentStart + length;
  if (end > limit) bail();
  const item = readDataset(r, { offset, contentStart, contentEnd: end, end, undefinedLength: false }, limit, depth + 1);
  r.pos = end;
  return item;
}
