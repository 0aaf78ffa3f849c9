import { DicomError } from './dicom.error.ts';

/**
 * A Specific Character Set (0008,0005) in effect for a data set: decodes text values (with ISO 2022
 * code extensions) and encodes replacement text. Built on Node's TextDecoder (full ICU).
 */
export interface Charset {
  readonly terms: readonly string[];
  /** Every value decodes byte for byte as Latin-1 (no (0008,0005), ISO_IR 6, ISO_IR 100, unknown terms). */
  readonly latin1: boolean;
  /** Decodes value bytes; `pn` makes `^` and `=` reset code extensions as PS3.5 6.1.2.5.3 says for names. */
  decode(bytes: Uint8Array, pn: boolean): string;
  /** Encodes text, or throws CHARSET_UNSUPPORTED; pure ASCII is valid in every character set. */
  encode(text: string): Uint8Array;
}

type Kind = { label: string; twoByte?: 'jis0208' | 'jis0212' };

// Defined terms (PS3.3 C.12.1.1.2) → WHATWG decoder label. iso-8859-1 is decoded by Buffer's latin1
// because WHATWG maps that label to windows-1252.
const SINGLE_BYTE: Record<string, string> = {
  'ISO_IR 100': 'latin1', 'ISO_IR 101': 'iso-8859-2', 'ISO_IR 109': 'iso-8859-3', 'ISO_IR 110': 'iso-8859-4',
  'ISO_IR 144': 'iso-8859-5', 'ISO_IR 127': 'iso-8859-6', 'ISO_IR 126': 'iso-8859-7', 'ISO_IR 138': 'iso-8859-8',
  'ISO_IR 148': 'iso-8859-9', 'ISO_IR 166': 'tis-620', 'ISO_IR 13': 'shift_jis', 'ISO_IR 192': 'utf-8',
  GB18030: 'gb18030', GBK: 'gbk',
};
// ISO 2022 terms: the G1 set each designates by default, and its escape sequence's final bytes.
const G1_BY_TERM: Record<string, string> = {
  'ISO 2022 IR 100': 'latin1', 'ISO 2022 IR 101': 'iso-8859-2', 'ISO 2022 IR 109': 'iso-8859-3',
  'ISO 2022 IR 110': 'iso-8859-4', 'ISO 2022 IR 144': 'iso-8859-5', 'ISO 2022 IR 127': 'iso-8859-6',
  'ISO 2022 IR 126': 'iso-8859-7', 'ISO 2022 IR 138': 'iso-8859-8', 'ISO 2022 IR 148': 'iso-8859-9',
  'ISO 2022 IR 166': 'tis-620', 'ISO 2022 IR 13': 'shift_jis', 'ISO 2022 IR 149': 'euc-kr', 'ISO 2022 IR 58': 'gb18030',
};
const ESCAPES: Record<string, { g: 0 | 1; kind: Kind }> = {
  '(B': { g: 0, kind: { label: 'ascii' } },
  '(J': { g: 0, kind: { label: 'ascii' } },
  ')I': { g: 1, kind: { label: 'shift_jis' } },
  '$B': { g: 0, kind: { label: 'euc-jp', twoByte: 'jis0208' } },
  '$@': { g: 0, kind: { label: 'euc-jp', twoByte: 'jis0208' } },
  '$(D': { g: 0, kind: { label: 'euc-jp', twoByte: 'jis0212' } },
  '$)C': { g: 1, kind: { label: 'euc-kr' } },
  '$)A': { g: 1, kind: { label: 'gb18030' } },
  '-A': { g: 1, kind: { label: 'latin1' } }, '-B': { g: 1, kind: { label: 'iso-8859-2' } },
  '-C': { g: 1, kind: { label: 'iso-8859-3' } }, '-D': { g: 1, kind: { label: 'iso-8859-4' } },
  '-L': { g: 1, kind: { label: 'iso-8859-5' } }, '-G': { g: 1, kind: { label: 'iso-8859-6' } },
  '-F': { g: 1, kind: { label: 'iso-8859-7' } }, '-H': { g: 1, kind: { label: 'iso-8859-8' } },
  '-M': { g: 1, kind: { label: 'iso-8859-9' } }, '-T': { g: 1, kind: { label: 'tis-620' } },
};

const decoders = new Map<string, InstanceType<typeof TextDecoder>>();
function decodeWith(label: string, bytes: Uint8Array): string {
  if (label === 'latin1' || label === 'ascii') return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
  let d = decoders.get(label);
  if (d === undefined) {
    d = new TextDecoder(label);
    decoders.set(label, d);
  }
  return d.decode(bytes);
}

const ASCII: Kind = { label: 'ascii' };

/** Decodes ISO 2022 text: escape sequences switch G0 (bytes < 0x80) or G1 (bytes >= 0x80). */
function decode2022(bytes: Uint8Array, g1Initial: Kind, pn: boolean): string {
  let g0 = ASCII;
  let g1 = g1Initial;
  let out = '';
  let run: number[] = [];
  let runKind: Kind = ASCII;
  const flush = (): void => {
    if (run.length > 0) out += decodeRun(run, runKind);
    run = [];
  };
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x1b) {
      const esc = readEscape(bytes, i + 1);
      if (esc !== undefined) {
        flush();
        if (esc.g === 0) g0 = esc.kind;
        else g1 = esc.kind;
        i += esc.length;
        continue;
      }
    }
    const kind = b >= 0x80 ? g1 : b < 0x21 ? ASCII : g0;
    if (kind !== runKind) flush();
    runKind = kind;
    run.push(b);
    // Delimiters end the scope of a code extension (PS3.5 6.1.2.5.3).
    if (g0.twoByte === undefined && (b < 0x20 || b === 0x5c || (pn && (b === 0x5e || b === 0x3d)))) {
      g0 = ASCII;
      g1 = g1Initial;
    }
  }
  flush();
  return out;
}

function readEscape(bytes: Uint8Array, at: number): { g: 0 | 1; kind: Kind; length: number } | undefined {
  for (const len of [2, 3]) {
    if (at + len > bytes.length) break;
    const key = String.fromCharCode(...bytes.subarray(at, at + len));
    const found = ESCAPES[key];
    if (found !== undefined) return { ...found, length: len };
  }
  return undefined;
}

function decodeRun(run: number[], kind: Kind): string {
  if (kind.twoByte === 'jis0208') return decodeWith('euc-jp', Uint8Array.from(run, (b) => (b < 0x21 ? b : b | 0x80)));
  if (kind.twoByte === 'jis0212') {
    const out: number[] = [];
    for (let i = 0; i + 1 < run.length; i += 2) out.push(0x8f, run[i]! | 0x80, run[i + 1]! | 0x80);
    return decodeWith('euc-jp', Uint8Array.from(out));
  }
  return decodeWith(kind.label, Uint8Array.from(run));
}

const encodeTables = new Map<string, Map<string, number>>();
/** Reverse table of a single-byte character set's upper half, built from its decoder once. */
function singleByteTable(label: string): Map<string, number> {
  let table = encodeTables.get(label);
  if (table !== undefined) return table;
  table = new Map();
  for (let b = 0xa0; b <= 0xff; b++) {
    const ch = decodeWith(label, Uint8Array.of(b));
    if (ch !== '\uFFFD') table.set(ch, b);
  }
  encodeTables.set(label, table);
  return table;
}

const SINGLE_BYTE_ENCODABLE = new Set(['latin1', 'iso-8859-2', 'iso-8859-3', 'iso-8859-4', 'iso-8859-5', 'iso-8859-6', 'iso-8859-7', 'iso-8859-8', 'iso-8859-9', 'tis-620']);

function encodeText(text: string, label: string | undefined, terms: readonly string[]): Uint8Array {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(text)) return Buffer.from(text, 'latin1');
  if (label === 'utf-8') return Buffer.from(text, 'utf8');
  if (label !== undefined && SINGLE_BYTE_ENCODABLE.has(label)) {
    const table = singleByteTable(label);
    const out = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      const b = code < 0x80 ? code : table.get(text[i]!);
      if (b === undefined) throw unsupported(terms, 'a character outside it');
      out[i] = b;
    }
    return out;
  }
  throw unsupported(terms, 'non-ASCII text');
}

function unsupported(terms: readonly string[], what: string): DicomError {
  return new DicomError('CHARSET_UNSUPPORTED', `cannot encode ${what} in Specific Character Set ${terms.join('\\') || 'ISO_IR 6'}; use ASCII or ISO_IR 192`);
}

/** The character set for the values of (0008,0005); unknown terms decode as Latin-1 (never throw on read). */
export function charsetFor(terms: readonly string[]): Charset {
  const first = (terms[0] ?? '').trim();
  const is2022 = terms.length > 1 || first.startsWith('ISO 2022');
  if (!is2022) {
    const label = first === '' || first === 'ISO_IR 6' ? 'ascii' : (SINGLE_BYTE[first] ?? 'latin1');
    const latin1 = label === 'ascii' || label === 'latin1';
    return { terms, latin1, decode: (bytes) => decodeWith(label, bytes), encode: (text) => encodeText(text, label, terms) };
  }
  const g1Label = G1_BY_TERM[first] ?? SINGLE_BYTE[first.replace('ISO 2022 IR', 'ISO_IR')] ?? 'latin1';
  const g1: Kind = { label: g1Label };
  const encodeLabel = G1_BY_TERM[first];
  return { terms, latin1: false, decode: (bytes, pn) => decode2022(bytes, g1, pn), encode: (text) => encodeText(text, encodeLabel, terms) };
}

/** Default repertoire (ISO_IR 6) for data sets without (0008,0005). */
export const DEFAULT_CHARSET: Charset = charsetFor([]);
