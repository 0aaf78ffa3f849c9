// DICOM JSON model (PS3.18 F.2) of a parsed data set, for WADO-RS /metadata. Applied only to
// de-identified objects. Binary values up to INLINE_MAX bytes are inlined as base64; larger
// top-level ones (pixel data above all) carry a BulkDataURI served by the bulkdata route
// (wado-bulkdata.routes.ts), and large ones inside sequences are inlined whatever their size.
import type { DicomDataset, DicomElement } from '@medgrade/dicom';

/** One attribute in DICOM JSON. */
// A type alias (not an interface) so it fits the contracts' open record schema.
export type DicomJsonAttribute = {
  vr: string;
  Value?: unknown[];
  InlineBinary?: string;
  BulkDataURI?: string;
};

export type DicomJson = Record<string, DicomJsonAttribute>;

const INLINE_MAX = 4096;
const BINARY = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'UN']);
const NUMERIC = new Set(['US', 'SS', 'UL', 'SL', 'FL', 'FD', 'UV', 'SV', 'IS', 'DS']);
const SINGLE_TEXT = new Set(['LT', 'ST', 'UT', 'UR']);

const hexTag = (t: number) => t.toString(16).toUpperCase().padStart(8, '0');

/** A PN value as its DICOM JSON object: the "="-separated representation groups by name. */
export function personName(value: string): { Alphabetic?: string; Ideographic?: string; Phonetic?: string } {
  const [alphabetic, ideographic, phonetic] = value.split('=');
  return {
    ...(alphabetic ? { Alphabetic: alphabetic } : {}),
    ...(ideographic ? { Ideographic: ideographic } : {}),
    ...(phonetic ? { Phonetic: phonetic } : {}),
  };
}

function attributeTags(ds: DicomDataset, e: DicomElement): string[] {
  const bytes = ds.valueBytes(e);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = ds.context.littleEndian;
  const out: string[] = [];
  for (let i = 0; i + 4 <= bytes.length; i += 4) out.push(hexTag(((view.getUint16(i, le) << 16) | view.getUint16(i + 2, le)) >>> 0));
  return out;
}

/** The bulk data URI of a top-level element of the instance at `instanceUrl`. */
export function bulkDataUri(instanceUrl: string, tag: number): string {
  return `${instanceUrl}/bulkdata/${hexTag(tag)}`;
}

function valueOf(ds: DicomDataset, e: DicomElement, instanceUrl: string | undefined): DicomJsonAttribute {
  const vr = e.vr;
  if (vr === 'SQ') return { vr, Value: (e.items ?? []).map((item) => toDicomJson(item)) };
  if (BINARY.has(vr)) {
    if (instanceUrl !== undefined && (e.fragments !== undefined || e.length > INLINE_MAX)) return { vr, BulkDataURI: bulkDataUri(instanceUrl, e.tag) };
    const bytes = e.fragments !== undefined ? fragmentBytes(ds, e) : ds.valueBytes(e);
    return bytes.length === 0 ? { vr } : { vr, InlineBinary: Buffer.from(bytes).toString('base64') };
  }
  if (vr === 'AT') return { vr, Value: attributeTags(ds, e) };
  if (NUMERIC.has(vr)) {
    const values = ds.getNumbers(e.tag) ?? [];
    return values.length === 0 ? { vr } : { vr, Value: values };
  }
  if (SINGLE_TEXT.has(vr)) {
    const text = ds.elementString(e);
    return text === '' ? { vr } : { vr, Value: [text] };
  }
  const values = ds.getStrings(e.tag) ?? [];
  if (values.length === 0) return { vr };
  return { vr, Value: vr === 'PN' ? values.map(personName) : values.map((v) => (v === '' ? null : v)) };
}

/** An encapsulated value's fragments, concatenated (what a bulk data request returns for it). */
export function fragmentBytes(ds: DicomDataset, e: DicomElement): Uint8Array {
  const source = ds.context.source;
  return Buffer.concat((e.fragments ?? []).map((f) => source.subarray(f.offset, f.offset + f.length)));
}

/**
 * Converts a data set (group 0002 excluded by the parser) to DICOM JSON. With `instanceUrl` (the
 * instance's WADO-RS URL), large top-level binary values are BulkDataURIs under it.
 */
export function toDicomJson(ds: DicomDataset, instanceUrl?: string): DicomJson {
  const out: DicomJson = {};
  for (const e of ds.elements) {
    // Group lengths are deprecated and meaningless outside the binary encoding.
    if ((e.tag & 0xffff) === 0) continue;
    out[hexTag(e.tag)] = valueOf(ds, e, instanceUrl);
  }
  return out;
}
