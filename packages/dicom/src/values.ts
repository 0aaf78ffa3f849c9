import type { Charset } from './charset.ts';
import { DicomError } from './dicom.error.ts';
import type { DicomValue, Vr } from './dicom.types.ts';
import { formatTag } from './tags.ts';

const TEXT_VRS = new Set<Vr>(['AE', 'AS', 'CS', 'DA', 'DS', 'DT', 'IS', 'LO', 'LT', 'PN', 'SH', 'ST', 'TM', 'UC', 'UI', 'UR', 'UT']);
/** VRs whose values use the Specific Character Set (PS3.5 6.1.2.3); the others are the default repertoire. */
const CHARSET_VRS = new Set<Vr>(['LO', 'LT', 'PN', 'SH', 'ST', 'UC', 'UT']);

type NumberKind = { size: number; get: (v: DataView, at: number, le: boolean) => number | bigint; put: (v: DataView, at: number, n: number | bigint, le: boolean) => void };
const num = (size: number, get: NumberKind['get'], put: NumberKind['put']): NumberKind => ({ size, get, put });
const NUMBER_VRS: Partial<Record<Vr, NumberKind>> = {
  US: num(2, (v, a, le) => v.getUint16(a, le), (v, a, n, le) => v.setUint16(a, Number(n), le)),
  OW: num(2, (v, a, le) => v.getUint16(a, le), (v, a, n, le) => v.setUint16(a, Number(n), le)),
  SS: num(2, (v, a, le) => v.getInt16(a, le), (v, a, n, le) => v.setInt16(a, Number(n), le)),
  UL: num(4, (v, a, le) => v.getUint32(a, le), (v, a, n, le) => v.setUint32(a, Number(n), le)),
  OL: num(4, (v, a, le) => v.getUint32(a, le), (v, a, n, le) => v.setUint32(a, Number(n), le)),
  SL: num(4, (v, a, le) => v.getInt32(a, le), (v, a, n, le) => v.setInt32(a, Number(n), le)),
  FL: num(4, (v, a, le) => v.getFloat32(a, le), (v, a, n, le) => v.setFloat32(a, Number(n), le)),
  OF: num(4, (v, a, le) => v.getFloat32(a, le), (v, a, n, le) => v.setFloat32(a, Number(n), le)),
  FD: num(8, (v, a, le) => v.getFloat64(a, le), (v, a, n, le) => v.setFloat64(a, Number(n), le)),
  OD: num(8, (v, a, le) => v.getFloat64(a, le), (v, a, n, le) => v.setFloat64(a, Number(n), le)),
  SV: num(8, (v, a, le) => v.getBigInt64(a, le), (v, a, n, le) => v.setBigInt64(a, BigInt(n), le)),
  UV: num(8, (v, a, le) => v.getBigUint64(a, le), (v, a, n, le) => v.setBigUint64(a, BigInt(n), le)),
  OV: num(8, (v, a, le) => v.getBigUint64(a, le), (v, a, n, le) => v.setBigUint64(a, BigInt(n), le)),
  // AT: group then element, each 16 bits in the file's byte order.
  AT: num(4, (v, a, le) => ((v.getUint16(a, le) << 16) | v.getUint16(a + 2, le)) >>> 0, (v, a, n, le) => {
    v.setUint16(a, Number(n) >>> 16, le);
    v.setUint16(a + 2, Number(n) & 0xffff, le);
  }),
};

export const isTextVr = (vr: Vr): boolean => TEXT_VRS.has(vr);
/** Whether values of this VR are decoded with the Specific Character Set. */
export const usesCharset = (vr: Vr): boolean => CHARSET_VRS.has(vr);

/** Text value with trailing padding (spaces, NULs) removed. */
export function decodeText(bytes: Uint8Array, vr: Vr, charset: Charset): string {
  return decodeTextAt(bytes, 0, bytes.length, vr, charset);
}

/**
 * `decodeText` of bytes[start, end) without a view per value: most values are Latin-1 (default
 * repertoire VRs, or a single-byte Latin-1 character set) and are sliced straight from the source.
 */
export function decodeTextAt(bytes: Uint8Array, start: number, end: number, vr: Vr, charset: Charset): string {
  let stop = end;
  while (stop > start && (bytes[stop - 1] === 0x20 || bytes[stop - 1] === 0x00)) stop--;
  if (!CHARSET_VRS.has(vr) || charset.latin1) {
    if (Buffer.isBuffer(bytes)) return bytes.toString('latin1', start, stop);
    return Buffer.from(bytes.buffer, bytes.byteOffset + start, stop - start).toString('latin1');
  }
  return charset.decode(bytes.subarray(start, stop), vr === 'PN');
}

/** Every value of a binary numeric VR (AT as uint32 tags); a trailing partial value is ignored. */
export function decodeNumbers(bytes: Uint8Array, vr: Vr, littleEndian: boolean): (number | bigint)[] {
  const kind = NUMBER_VRS[vr];
  if (kind === undefined) return [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const out: (number | bigint)[] = [];
  for (let at = 0; at + kind.size <= bytes.length; at += kind.size) out.push(kind.get(view, at, littleEndian));
  return out;
}

/** Encodes a value for `vr` in the file's byte order and character set, padded to even length. */
export function encodeValue(value: DicomValue, vr: Vr, littleEndian: boolean, charset: Charset, t: number): Uint8Array {
  if (value instanceof Uint8Array) return pad(Uint8Array.from(value), vr);
  if (TEXT_VRS.has(vr)) return pad(encodeTextValue(value, vr, charset, t), vr);
  if ((vr === 'UN' || vr === 'OB') && typeof value === 'string') return pad(charset.encode(value), vr);
  const kind = NUMBER_VRS[vr];
  if (kind === undefined) throw new DicomError('BAD_VALUE', `${formatTag(t)} (${vr}) takes bytes, not ${typeof value}`, t);
  const values = toNumberList(value, t);
  const out = new Uint8Array(values.length * kind.size);
  const view = new DataView(out.buffer);
  values.forEach((n, i) => kind.put(view, i * kind.size, n, littleEndian));
  return pad(out, vr);
}

function encodeTextValue(value: Exclude<DicomValue, Uint8Array>, vr: Vr, charset: Charset, t: number): Uint8Array {
  const text = typeof value === 'string' ? value : (Array.isArray(value) ? value : [value]).map((v) => (typeof v === 'string' ? v : formatNumber(v, vr, t))).join('\\');
  // ASCII is the same bytes in every character set (what charset.encode returns for it too).
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(text)) return asciiPadded(text, vr);
  if (CHARSET_VRS.has(vr)) return charset.encode(text);
  throw new DicomError('BAD_VALUE', `${formatTag(t)} (${vr}) allows only ASCII`, t);
}

/** ASCII text already padded to even length (`pad` then has nothing to do): one allocation. */
function asciiPadded(text: string, vr: Vr): Uint8Array {
  const out = Buffer.allocUnsafe(text.length + (text.length % 2));
  out.write(text, 0, 'latin1');
  if (text.length % 2 === 1) out[text.length] = vr === 'UI' ? 0x00 : 0x20;
  return out;
}

/** IS and DS as the standard wants them: integers, and decimals of at most 16 characters. */
function formatNumber(n: number | bigint, vr: Vr, t: number): string {
  if (typeof n === 'bigint' || vr !== 'DS') return String(typeof n === 'bigint' ? n : Math.trunc(n));
  if (!Number.isFinite(n)) throw new DicomError('BAD_VALUE', `${formatTag(t)} (DS) must be finite`, t);
  const plain = String(n);
  if (plain.length <= 16) return plain;
  for (let p = 15; p > 0; p--) {
    const s = n.toPrecision(p).replace(/(\.\d*?)0+(e|$)/, '$1$2').replace(/\.(e|$)/, '$1');
    if (s.length <= 16) return s;
  }
  return n.toExponential(6);
}

function toNumberList(value: Exclude<DicomValue, Uint8Array>, t: number): (number | bigint)[] {
  const list = Array.isArray(value) ? value : [value];
  return list.flatMap((v) => {
    if (typeof v !== 'string') return [v];
    const parts = v === '' ? [] : v.split('\\').map(Number);
    if (parts.some((p) => !Number.isFinite(p))) throw new DicomError('BAD_VALUE', `${formatTag(t)} needs numbers`, t);
    return parts;
  });
}

/** Pads to even length: NUL for UI and binary VRs, space for other text (PS3.5 6.2). */
function pad(bytes: Uint8Array, vr: Vr): Uint8Array {
  if (bytes.length % 2 === 0) return bytes;
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  out[bytes.length] = TEXT_VRS.has(vr) && vr !== 'UI' ? 0x20 : 0x00;
  return out;
}
