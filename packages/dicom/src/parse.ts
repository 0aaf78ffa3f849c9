import { createInflateRaw, inflateRawSync } from 'node:zlib';
import dicomParser from 'dicom-parser';
import type { DataSet, Element } from 'dicom-parser';
import type { DicomContext } from './dataset.ts';
import { DicomDataset } from './dataset.ts';
import { DicomError } from './dicom.error.ts';
import { TransferSyntax } from './dicom.types.ts';
import { lookup } from './dictionary.ts';
import { parseFast } from './parse.fast.ts';
import type { DicomFile, ParseOptions } from './file.ts';
import { elementOf, isPrivateCreator, isPrivateTag } from './tags.ts';
import type { TreeBuild } from './tree.ts';
import { buildDataset, rawElements, tagNumber } from './tree.ts';

const DEFAULT_MAX_DEPTH = 64;
/** Default ParseOptions.maxInflatedBytes. */
export const DEFAULT_MAX_INFLATED_BYTES = 256 * 1024 * 1024;

/**
 * Parses a DICOM Part 10 file (or a raw implicit/explicit little endian data set without meta group).
 * Throws DicomError (NOT_DICOM, TRUNCATED, BAD_LENGTH, BAD_STRUCTURE, BAD_VR, TOO_DEEP, TOO_LARGE,
 * UNSUPPORTED_TRANSFER_SYNTAX) and nothing else.
 */
export function parseDicom(buf: Uint8Array, opts: ParseOptions = {}): DicomFile {
  try {
    return parseFast(asBuffer(buf), opts.maxDepth ?? DEFAULT_MAX_DEPTH) ?? parseUnchecked(readHeader(buf), opts);
  } catch (err) {
    throw toDicomError(err);
  }
}

/** parseDicom through dicom-parser only: the reference that parse.fast.ts is tested against. */
export function parseReference(buf: Uint8Array, opts: ParseOptions = {}): DicomFile {
  try {
    return parseUnchecked(readHeader(buf), opts);
  } catch (err) {
    throw toDicomError(err);
  }
}

/**
 * parseDicom for a server: a deflated data set is inflated in zlib's thread pool (not on the event
 * loop), chunk by chunk, and inflation stops with TOO_LARGE as soon as the output passes
 * maxInflatedBytes, so a bomb never makes the process hold more than the limit.
 */
export async function parseDicomAsync(buf: Uint8Array, opts: ParseOptions = {}): Promise<DicomFile> {
  try {
    const fast = parseFast(asBuffer(buf), opts.maxDepth ?? DEFAULT_MAX_DEPTH);
    if (fast !== undefined) return fast;
    const head = readHeader(buf);
    if (!isDeflated(head)) return parseUnchecked(head, opts);
    const inflated = await inflateBounded(head.buf.subarray(headerEnd(head.header)), opts.maxInflatedBytes ?? DEFAULT_MAX_INFLATED_BYTES);
    return parseUnchecked(head, opts, inflated);
  } catch (err) {
    throw toDicomError(err);
  }
}

/**
 * The size a deflated Part 10 file's data set inflates to (undefined for any other encoding),
 * counted in zlib's thread pool without keeping the output: memory stays at one chunk, and the
 * count stops with TOO_LARGE past `limit`. Lets a caller charge the inflated size to a budget
 * before it parses.
 */
export async function inflatedDataSetBytes(buf: Uint8Array, limit: number): Promise<number | undefined> {
  try {
    const head = readHeader(buf);
    if (!isDeflated(head)) return undefined;
    let total = 0;
    await inflateChunks(head.buf.subarray(headerEnd(head.header)), limit, (chunk) => { total += chunk.length; });
    return total;
  } catch (err) {
    throw toDicomError(err);
  }
}

interface Header {
  buf: Buffer;
  part10: boolean;
  header: DataSet | undefined;
  ts: string;
}

/** A Buffer view of the input (no copy): dicom-parser copies with Buffer methods when inflating. */
function asBuffer(input: Uint8Array): Buffer {
  return Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.length);
}

function readHeader(input: Uint8Array): Header {
  let buf = asBuffer(input);
  if (isBareMeta(buf)) buf = Buffer.concat([Buffer.alloc(128), Buffer.from('DICM', 'latin1'), buf]);
  const part10 = buf.length >= 132 && buf[128] === 0x44 && buf[129] === 0x49 && buf[130] === 0x43 && buf[131] === 0x4d;
  const header = part10 ? dicomParser.readPart10Header(buf) : undefined;
  const ts = header !== undefined ? metaTransferSyntax(buf, header) : rawTransferSyntax(buf);
  return { buf, part10, header, ts };
}

function isDeflated(head: Header): head is Header & { header: DataSet } {
  return head.ts === TransferSyntax.DeflatedExplicitVRLittleEndian && head.header !== undefined;
}

function headerEnd(header: DataSet): number {
  return (header as DataSet & { position: number }).position;
}

/** Feeds `deflated` through a raw inflater, handing each output chunk on; rejects TOO_LARGE past `limit`. */
function inflateChunks(deflated: Buffer, limit: number, onChunk: (chunk: Buffer) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const inflater = createInflateRaw();
    let total = 0;
    inflater.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total <= limit) return onChunk(chunk);
      inflater.destroy();
      reject(new DicomError('TOO_LARGE', `deflated data set inflates beyond ${limit} bytes`));
    });
    inflater.on('end', () => resolve());
    inflater.on('error', () => reject(new DicomError('TRUNCATED', 'deflated data set is corrupt or truncated')));
    inflater.end(deflated);
  });
}

async function inflateBounded(deflated: Buffer, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await inflateChunks(deflated, limit, (chunk) => chunks.push(chunk));
  return Buffer.concat(chunks);
}

function parseUnchecked(head: Header, opts: ParseOptions, inflated?: Buffer): DicomFile {
  const { buf, part10, ts } = head;
  const parsed = isDeflated(head)
    ? parseDeflated(buf, head.header, inflated ?? inflateSync(buf.subarray(headerEnd(head.header)), opts.maxInflatedBytes ?? DEFAULT_MAX_INFLATED_BYTES))
    : dicomParser.parseDicom(buf, { ...(part10 ? {} : { TransferSyntaxUID: ts }), vrCallback: implicitVr as (tag: string) => void });
  const source = parsed.byteArray;
  const context: DicomContext = {
    source,
    littleEndian: ts !== TransferSyntax.ExplicitVRBigEndian,
    explicitVr: ts !== TransferSyntax.ImplicitVRLittleEndian,
  };
  const { meta, dataStart, rest } = splitMeta(parsed, part10 ? 132 : 0);
  const build: TreeBuild = { context, maxDepth: opts.maxDepth ?? DEFAULT_MAX_DEPTH };
  const metaContext: DicomContext = { source, littleEndian: true, explicitVr: true };
  const metaSpan = { offset: part10 ? 132 : 0, contentStart: part10 ? 132 : 0, contentEnd: dataStart, end: dataStart, undefinedLength: false };
  const metaSet = part10 ? buildDataset({ context: metaContext, maxDepth: 0 }, meta, metaSpan, 0) : new DicomDataset(metaContext);
  const span = { offset: dataStart, contentStart: dataStart, contentEnd: source.length, end: source.length, undefinedLength: false };
  const dataset = buildDataset(build, rest, span, 0);
  return { transferSyntaxUid: ts, part10, meta: metaSet, dataset, source, warnings: [...parsed.warnings] };
}

/** The data set's transfer syntax from the meta group; only encodings we can read and rewrite pass. */
function metaTransferSyntax(buf: Buffer, header: DataSet): string {
  const el = header.elements['x00020010'];
  if (el === undefined) throw new DicomError('BAD_STRUCTURE', 'file meta group has no Transfer Syntax UID (0002,0010)');
  const ts = buf.toString('latin1', el.dataOffset, el.dataOffset + el.length).replace(/[\0 ]+$/, '');
  const known = Object.values(TransferSyntax) as string[];
  const encapsulated = ts.startsWith('1.2.840.10008.1.2.4.') || ts === '1.2.840.10008.1.2.5' || ts === '1.2.840.10008.1.2.1.98';
  if (!known.includes(ts) && !encapsulated) {
    throw new DicomError('UNSUPPORTED_TRANSFER_SYNTAX', `transfer syntax ${ts.slice(0, 64)} is not supported`);
  }
  return ts;
}

/** Some writers omit the preamble and DICM but keep the meta group: (0002,xxxx) with an explicit VR. */
function isBareMeta(buf: Buffer): boolean {
  return buf.length >= 12 && buf.readUInt16LE(0) === 0x0002 && /^[A-Z]{2}$/.test(buf.toString('latin1', 4, 6));
}

/** A data set without preamble: explicit VR when bytes 4-5 spell a VR, else implicit; junk is NOT_DICOM. */
function rawTransferSyntax(buf: Buffer): string {
  if (buf.length < 8) throw new DicomError('NOT_DICOM', 'input is too short to be DICOM');
  const plausible = (g: number): boolean => (g & 1) === 0 && g >= 0x0002 && g <= 0x0028;
  const explicitVr = /^[A-Z]{2}$/.test(buf.toString('latin1', 4, 6));
  const group = buf.readUInt16LE(0);
  if (!plausible(group)) {
    if (explicitVr && plausible(buf.readUInt16BE(0))) return TransferSyntax.ExplicitVRBigEndian;
    throw new DicomError('NOT_DICOM', 'no DICM prefix at byte 128 and the input does not start like a data set');
  }
  if (explicitVr) {
    return TransferSyntax.ExplicitVRLittleEndian;
  }
  return TransferSyntax.ImplicitVRLittleEndian;
}

/**
 * VR hints for implicit VR data sets. Unknown tags return undefined so dicom-parser peeks for an
 * item tag, which finds private and unknown sequences of undefined length.
 */
function implicitVr(tagString: string): string | undefined {
  const t = tagNumber(tagString);
  if (elementOf(t) === 0) return 'UL';
  if (isPrivateCreator(t)) return 'LO';
  if (isPrivateTag(t)) return undefined;
  return lookup(t)?.vr;
}

/**
 * Deflated data sets are inflated here rather than by dicom-parser, whose inflater path restarts
 * parsing at byte 0 (the preamble); the inflated bytes are parsed from where the meta group ended.
 */
function inflateSync(deflated: Buffer, limit: number): Buffer {
  try {
    return inflateRawSync(deflated, { maxOutputLength: limit });
  } catch (err) {
    if (err instanceof RangeError) throw new DicomError('TOO_LARGE', `deflated data set inflates beyond ${limit} bytes`);
    throw new DicomError('TRUNCATED', 'deflated data set is corrupt or truncated');
  }
}

function parseDeflated(buf: Buffer, header: DataSet, inflated: Buffer): DataSet {
  const position = headerEnd(header);
  const full = Buffer.allocUnsafe(position + inflated.length);
  full.set(buf.subarray(0, position), 0);
  full.set(inflated, position);
  const le = dicomParser.littleEndianByteArrayParser;
  const DataSetClass = (dicomParser as unknown as { DataSet: new (p: typeof le, b: Buffer, e: object) => DataSet }).DataSet;
  const dataSet = new DataSetClass(le, full, { ...header.elements });
  dataSet.warnings = [];
  if (inflated.length > 0) dicomParser.parseDicomDataSetExplicit(dataSet, new dicomParser.ByteStream(le, full, position), full.length);
  return dataSet;
}

/** Separates the meta group (first, explicit LE, group 0002) from the data set elements. */
function splitMeta(parsed: DataSet, metaStart: number): { meta: Element[]; dataStart: number; rest: Element[] } {
  const all = rawElements(parsed);
  // readPart10Header marks the meta elements it read with their (little endian) parser.
  // The stand-in TransferSyntaxUID element added for raw data sets has no position and is dropped.
  const meta = all.filter((e) => e.parser !== undefined);
  const rest = all.filter((e) => e.parser === undefined && e.dataOffset !== undefined);
  let dataStart = metaStart;
  for (const e of meta) dataStart = Math.max(dataStart, e.dataOffset + e.length);
  return { meta: meta.sort((a, b) => a.dataOffset - b.dataOffset), dataStart, rest };
}

function toDicomError(err: unknown): DicomError {
  if (err instanceof DicomError) return err;
  if (err instanceof RangeError && /call stack/i.test(err.message)) return new DicomError('TOO_DEEP', 'sequences nested too deeply to parse');
  const inner = typeof err === 'object' && err !== null && 'exception' in err ? (err as { exception: unknown }).exception : err;
  if (inner instanceof DicomError) return inner;
  if (inner instanceof RangeError && /call stack/i.test(inner.message)) return new DicomError('TOO_DEEP', 'sequences nested too deeply to parse');
  const message = typeof inner === 'string' ? inner : inner instanceof Error ? inner.message : 'unknown parser failure';
  const detail = message.replace(/^dicomParser\.?:?\s*\w*:?\s*/, '').slice(0, 200);
  if (/DICM prefix/.test(message)) return new DicomError('NOT_DICOM', 'no DICM prefix at byte 128');
  if (/past end|overrun|eof|end of buffer|beyond/i.test(message)) return new DicomError('TRUNCATED', `input ends early: ${detail}`);
  if (/offset table|item tag|delimit/i.test(message)) return new DicomError('BAD_STRUCTURE', `malformed sequence or pixel data: ${detail}`);
  if (/length|position/i.test(message)) return new DicomError('BAD_LENGTH', `bad length: ${detail}`);
  return new DicomError('BAD_STRUCTURE', `cannot parse: ${detail}`);
}
