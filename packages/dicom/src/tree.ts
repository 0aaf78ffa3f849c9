// Turns dicom-parser's element maps into our positioned tree, checking as it goes that elements and
// items tile their containers exactly: that invariant is what lets the writer copy untouched runs
// verbatim, and it rejects duplicate tags, overlaps and lengths that run past the end of the input.
import type { DataSet, Element } from 'dicom-parser';
import type { DatasetSpan, DicomContext } from './dataset.ts';
import { DicomDataset } from './dataset.ts';
import { DicomError } from './dicom.error.ts';
import type { DicomElement, Vr } from './dicom.types.ts';
import { VRS } from './dicom.types.ts';
import { vrOf } from './dictionary.ts';
import { formatTag, Tags } from './tags.ts';

const KNOWN_VRS = new Set<string>(VRS);
// dicom-parser reads a 4-byte length only for these; OV, SV and UV (2019) would be misread.
const PARSER_LONG_VRS = new Set(['OB', 'OD', 'OL', 'OW', 'SQ', 'OF', 'UC', 'UR', 'UT', 'UN']);
const UNDEFINED = 0xffffffff;

export interface TreeBuild {
  context: DicomContext;
  maxDepth: number;
}

export const tagNumber = (t: string): number => Number.parseInt(t.slice(1), 16) >>> 0;

function tagAt(b: TreeBuild, at: number): number {
  const { source, littleEndian } = b.context;
  if (at < 0 || at + 8 > source.length) return -1;
  const v = new DataView(source.buffer, source.byteOffset + at, 8);
  return ((v.getUint16(0, littleEndian) << 16) | v.getUint16(2, littleEndian)) >>> 0;
}

/** Builds one data set's elements from dicom-parser elements, which must tile [span.contentStart, span.contentEnd). */
export function buildDataset(b: TreeBuild, raw: Element[], span: DatasetSpan, depth: number): DicomDataset {
  if (depth > b.maxDepth) throw new DicomError('TOO_DEEP', `sequences nested deeper than ${b.maxDepth} levels`);
  const elements: DicomElement[] = [];
  const ds = new DicomDataset(b.context, elements, span);
  let cursor = span.contentStart;
  for (const r of raw) {
    if (depth === 0 && r.tag === 'x00000000' && isZeroPadding(b.context.source, cursor, span.contentEnd)) {
      // Some writers pad files with zeros after the last element; the padding is not kept.
      span.contentEnd = span.end = cursor;
      break;
    }
    const e = buildElement(b, r);
    if (e.offset !== cursor) {
      throw new DicomError('BAD_STRUCTURE', `element ${formatTag(e.tag)} at byte ${e.offset} does not follow the previous one (duplicate tag or bad length)`, e.tag);
    }
    cursor = e.end;
    if (e.vr === 'SQ' && r.items !== undefined) e.items = buildItems(b, r, e, ds, depth);
    // A sequence sent as UN with undefined length holds implicit VR little endian items (PS3.5 6.2.2);
    // exposing them lets de-identification see and edit what is inside.
    if (e.vr === 'UN' && r.items !== undefined && b.context.explicitVr && b.context.littleEndian) {
      const implicit = { ...b, context: { ...b.context, explicitVr: false } };
      e.items = buildItems(implicit, r, e, ds, depth);
    }
    elements.push(e);
  }
  if (cursor !== span.contentEnd) throw new DicomError('BAD_LENGTH', `data set ends at byte ${cursor}, its container at ${span.contentEnd}`);
  return ds;
}

function isZeroPadding(source: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (source[i] !== 0) return false;
  return true;
}

function buildElement(b: TreeBuild, r: Element): DicomElement {
  const t = tagNumber(r.tag);
  const explicit = b.context.explicitVr;
  if (explicit && (r.vr === undefined || !KNOWN_VRS.has(r.vr))) {
    throw new DicomError('BAD_VR', `element ${formatTag(t)} has an invalid VR`, t);
  }
  if (explicit && (r.vr === 'OV' || r.vr === 'SV' || r.vr === 'UV')) {
    throw new DicomError('BAD_VR', `element ${formatTag(t)} uses VR ${r.vr}, which this reader does not support`, t);
  }
  const headerSize = explicit && PARSER_LONG_VRS.has(r.vr ?? '') ? 12 : 8;
  let vr: Vr = (r.vr as Vr | undefined) ?? (r.items !== undefined ? 'SQ' : vrOf(t));
  if (!explicit && vr === 'SQ' && r.items === undefined) vr = 'UN';
  const e: DicomElement = {
    tag: t, vr, offset: r.dataOffset - headerSize, valueOffset: r.dataOffset, length: r.length, end: r.dataOffset + r.length,
    undefinedLength: r.hadUndefinedLength === true,
  };
  if (e.undefinedLength) placeUndefined(b, r, e);
  if (e.end > b.context.source.length || e.length < 0) {
    throw new DicomError('TRUNCATED', `element ${formatTag(t)} runs past the end of the input`, t);
  }
  if (r.fragments !== undefined) {
    e.fragments = r.fragments.map((f) => ({ offset: f.position, length: f.length }));
    e.basicOffsetTable = r.basicOffsetTable ?? [];
    if (e.fragments.some((f) => f.offset + f.length > e.end)) throw new DicomError('TRUNCATED', 'pixel data fragment runs past the end of the input', t);
  }
  return e;
}

/** Where an undefined-length element ends: dicom-parser counts the closing delimiter in some cases only. */
function placeUndefined(b: TreeBuild, r: Element, e: DicomElement): void {
  if (r.length === UNDEFINED) throw new DicomError('TRUNCATED', `element ${formatTag(e.tag)} has no sequence delimiter`, e.tag);
  const after = r.dataOffset + r.length;
  if (tagAt(b, after) === Tags.SequenceDelimitationItem) {
    e.end = after + 8;
    return;
  }
  const closing = tagAt(b, after - 8);
  if (r.length >= 8 && (closing === Tags.SequenceDelimitationItem || (closing === Tags.ItemDelimitationItem && r.fragments === undefined))) {
    e.length = r.length - 8;
    e.end = after;
    return;
  }
  throw new DicomError('TRUNCATED', `element ${formatTag(e.tag)} of undefined length has no closing delimiter`, e.tag);
}

function buildItems(b: TreeBuild, r: Element, e: DicomElement, parent: DicomDataset, depth: number): DicomDataset[] {
  let cursor = e.valueOffset;
  const items: DicomDataset[] = [];
  for (const ri of r.items ?? []) {
    const span = itemSpan(b, ri, e.tag);
    if (span.offset !== cursor) throw new DicomError('BAD_STRUCTURE', `item of ${formatTag(e.tag)} at byte ${span.offset} is misplaced`, e.tag);
    const raw = Object.values(ri.dataSet?.elements ?? {}).filter((x) => x.tag !== 'xfffee00d');
    const item = buildDataset(b, raw, span, depth + 1);
    item.parent = { dataset: parent, element: e };
    items.push(item);
    cursor = span.end;
  }
  if (cursor !== e.valueOffset + e.length) throw new DicomError('BAD_LENGTH', `items of ${formatTag(e.tag)} do not fill its length`, e.tag);
  return items;
}

function itemSpan(b: TreeBuild, ri: Element, seqTag: number): DatasetSpan {
  const offset = ri.dataOffset - 8;
  const end = ri.dataOffset + ri.length;
  if (end > b.context.source.length) throw new DicomError('TRUNCATED', `item of ${formatTag(seqTag)} runs past the end of the input`, seqTag);
  if (ri.hadUndefinedLength !== true) return { offset, contentStart: ri.dataOffset, contentEnd: end, end, undefinedLength: false };
  const delimiter = ri.dataSet?.elements['xfffee00d'];
  if (delimiter === undefined) throw new DicomError('TRUNCATED', `item of ${formatTag(seqTag)} has no item delimiter`, seqTag);
  return { offset, contentStart: ri.dataOffset, contentEnd: delimiter.dataOffset - 8, end, undefinedLength: true };
}

/** Elements of a dicom-parser data set in file order. */
export const rawElements = (ds: DataSet): Element[] => Object.values(ds.elements);
