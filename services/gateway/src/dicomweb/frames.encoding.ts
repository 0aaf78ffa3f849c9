// Which encoding a WADO-RS frames request gets (PS3.18 8.7.3.3, Tables 8.7.3-4/-5): uncompressed
// little endian (decoded when stored compressed) or the stored encoding as it is. The Accept
// header is read once before the object is fetched; the choice needs the stored transfer syntax.
import { AppError } from '@medgrade/contracts';
import { parseAccept } from './accept.ts';

export const EXPLICIT_LE = '1.2.840.10008.1.2.1';
const OCTET = 'application/octet-stream';
/** Stored transfer syntaxes whose PixelData bytes already are native little endian. */
const LITTLE_ENDIAN_NATIVE: ReadonlySet<string> = new Set(['1.2.840.10008.1.2', EXPLICIT_LE, '1.2.840.10008.1.2.1.99']);

/** Compressed bulk data media types: transfer syntax → media type, which one is the type's default, lossy ones. */
const COMPRESSED: Record<string, { media: string; isDefault?: true; lossy?: true }> = {
  '1.2.840.10008.1.2.4.70': { media: 'image/jpeg', isDefault: true },
  '1.2.840.10008.1.2.4.50': { media: 'image/jpeg', lossy: true },
  '1.2.840.10008.1.2.4.51': { media: 'image/jpeg', lossy: true },
  '1.2.840.10008.1.2.4.57': { media: 'image/jpeg' },
  '1.2.840.10008.1.2.5': { media: 'image/dicom-rle', isDefault: true },
  '1.2.840.10008.1.2.4.80': { media: 'image/jls', isDefault: true },
  '1.2.840.10008.1.2.4.81': { media: 'image/jls', lossy: true },
  '1.2.840.10008.1.2.4.90': { media: 'image/jp2', isDefault: true },
  '1.2.840.10008.1.2.4.91': { media: 'image/jp2', lossy: true },
  '1.2.840.10008.1.2.4.92': { media: 'image/jpx', isDefault: true },
  '1.2.840.10008.1.2.4.93': { media: 'image/jpx', lossy: true },
  '1.2.840.10008.1.2.4.201': { media: 'image/jphc', isDefault: true },
  '1.2.840.10008.1.2.4.202': { media: 'image/jphc' },
  '1.2.840.10008.1.2.4.203': { media: 'image/jphc', lossy: true },
};
/** Older names clients still send. */
const MEDIA_ALIAS: Record<string, string> = { 'image/x-dicom-rle': 'image/dicom-rle', 'image/x-jls': 'image/jls' };

/** One acceptable frame representation: a part media type, an optional transfer syntax, or anything. */
export interface FrameRange {
  type: string;
  transferSyntax?: string | undefined;
  /** `*\/*`, `multipart/*` or no Accept at all: any encoding will do. */
  any: boolean;
}

/** How the parts are encoded: native little endian, or the stored frame bytes as they are. */
export interface FrameEncoding {
  kind: 'native' | 'stored';
  /** Content-Type of each part. */
  contentType: string;
  /** Media type of each part (the multipart `type` parameter). */
  media: string;
}

/** What the stored instance offers. */
export interface StoredPixels {
  transferSyntaxUid: string;
  encapsulated: boolean;
  /** Whether this server can decode the stored encoding. */
  decodable: boolean;
}

const NOT_ACCEPTABLE = 'Frames are served as multipart/related; type="application/octet-stream" (uncompressed, transfer-syntax=1.2.840.10008.1.2.1 or *) or, with transfer-syntax=* or the stored one, in their stored compressed media type';

/** Frame ranges of an Accept header, best first; 406 when none could ever be served. */
export function frameRanges(accept: string | undefined): FrameRange[] {
  if (!accept) return [{ type: OCTET, any: true }];
  const out: FrameRange[] = [];
  for (const r of parseAccept(accept)) {
    const ts = r.params['transfer-syntax'];
    const type = r.params.type?.toLowerCase();
    if (r.media === '*/*' || r.media === 'multipart/*' || (r.media === 'multipart/related' && (!type || type === '*/*'))) out.push({ type: OCTET, transferSyntax: ts, any: !ts });
    else if (r.media === 'multipart/related' && type) out.push({ type: MEDIA_ALIAS[type] ?? type, transferSyntax: ts, any: false });
  }
  if (out.length === 0) throw new AppError('NOT_ACCEPTABLE', NOT_ACCEPTABLE);
  return out;
}

function native(): FrameEncoding {
  return { kind: 'native', contentType: `${OCTET}; transfer-syntax=${EXPLICIT_LE}`, media: OCTET };
}

function stored(ts: string): FrameEncoding {
  const media = COMPRESSED[ts]?.media ?? OCTET;
  return { kind: 'stored', contentType: `${media}; transfer-syntax=${ts}`, media };
}

function match(range: FrameRange, px: StoredPixels): FrameEncoding | undefined {
  const ts = px.transferSyntaxUid;
  // Uncompressed stored data is served natively even for transfer-syntax=*: big endian is not
  // allowed in DICOMweb (PS3.18 8.7.3), and native little endian bytes are the stored ones.
  const canNative = !px.encapsulated || px.decodable;
  if (range.type === OCTET) {
    if (range.transferSyntax === '*') return px.encapsulated ? stored(ts) : native();
    if (range.transferSyntax === undefined || range.transferSyntax === EXPLICIT_LE) {
      if (canNative) return native();
      return range.any && px.encapsulated ? stored(ts) : undefined;
    }
    return undefined;
  }
  const info = COMPRESSED[ts];
  if (!px.encapsulated || info?.media !== range.type) return undefined;
  const wanted = range.transferSyntax;
  // No transfer-syntax means the media type's default, or the stored one when only a lossy copy exists.
  if (wanted === '*' || wanted === ts || (wanted === undefined && (info.isDefault || info.lossy))) return stored(ts);
  return undefined;
}

/** The first acceptable encoding for this instance; 406 saying what is available otherwise. */
export function chooseFrameEncoding(ranges: FrameRange[], px: StoredPixels): FrameEncoding {
  for (const range of ranges) {
    const chosen = match(range, px);
    if (chosen) return chosen;
  }
  const nativeNote = px.encapsulated && !px.decodable ? ' (this server cannot decompress it, so uncompressed is not available)' : '';
  throw new AppError('NOT_ACCEPTABLE', `This instance is stored as ${px.transferSyntaxUid}${nativeNote}: ask for multipart/related; type="application/octet-stream" or add transfer-syntax=* to get the stored encoding`, {
    storedTransferSyntax: px.transferSyntaxUid,
  });
}

/** Whether stored native frames can be sent without decoding (already little endian). */
export function isLittleEndianNative(transferSyntaxUid: string): boolean {
  return LITTLE_ENDIAN_NATIVE.has(transferSyntaxUid);
}
