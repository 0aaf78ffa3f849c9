// Hostile DICOM for tests (STYLE.md 20): files that are small on the wire and huge once inflated or
// decoded. Built without ever holding the expanded bytes: a deflate stream of zeros is one
// sync-flushed (byte-aligned, self-contained) block of zeros repeated, then an empty final block.
import { deflateRawSync, inflateRawSync, constants } from 'node:zlib';
import { createDicom } from '../create.ts';
import { TransferSyntax, type ElementSpec } from '../dicom.types.ts';

const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';
const RLE_LOSSLESS = '1.2.840.10008.1.2.5';
const ZERO_CHUNK = 1024 * 1024;
/** An empty final stored block: BFINAL=1, BTYPE=01 (fixed Huffman), end-of-block code. */
const FINAL_EMPTY_BLOCK = Buffer.from([0x03, 0x00]);

/** UIDs of a test instance (any valid UIDs). */
export interface BombUids {
  study: string;
  series: string;
  sop: string;
}

function headerElements(uids: BombUids, extra: ElementSpec[]): ElementSpec[] {
  return [
    { tag: 0x00080060, vr: 'CS', value: 'CT' },
    { tag: 0x00100010, vr: 'PN', value: 'BOMB^TEST' },
    { tag: 0x00100020, vr: 'LO', value: 'BOMB-1' },
    { tag: 0x0020000d, vr: 'UI', value: uids.study },
    { tag: 0x0020000e, vr: 'UI', value: uids.series },
    { tag: 0x00280301, vr: 'CS', value: 'NO' },
    ...extra,
  ];
}

/** Where the data set starts: after (0002,0000) FileMetaInformationGroupLength's value. */
function dataStart(file: Buffer): number {
  return 132 + 12 + file.readUInt32LE(140);
}

/**
 * A deflated-transfer-syntax Part 10 CT instance whose data set inflates to `payloadBytes` zeros
 * (one OB element) after a few header elements. About 1 KB on the wire per MiB inflated.
 */
export function deflateBomb(uids: BombUids, payloadBytes: number): Buffer {
  if (payloadBytes % ZERO_CHUNK !== 0) throw new RangeError('payloadBytes must be a multiple of 1 MiB');
  const small = createDicom({ sopClassUid: CT_IMAGE_STORAGE, sopInstanceUid: uids.sop, transferSyntaxUid: TransferSyntax.DeflatedExplicitVRLittleEndian, elements: headerElements(uids, []) });
  const start = dataStart(small);
  const header = inflateRawSync(small.subarray(start));
  // (0009,0010) would be a private creator; an OB in group 0x0011 private block keeps the standard
  // part of the header intact: tag, VR, two reserved bytes, 32-bit length.
  const ob = Buffer.alloc(12);
  ob.writeUInt16LE(0x0011, 0);
  ob.writeUInt16LE(0x1001, 2);
  ob.write('OB', 4, 'latin1');
  ob.writeUInt32LE(payloadBytes, 8);
  const sync = { finishFlush: constants.Z_SYNC_FLUSH, level: 9 };
  const zeros = deflateRawSync(Buffer.alloc(ZERO_CHUNK), sync);
  const chunks = [small.subarray(0, start), deflateRawSync(Buffer.concat([header, ob]), sync)];
  for (let i = 0; i < payloadBytes / ZERO_CHUNK; i++) chunks.push(zeros);
  chunks.push(FINAL_EMPTY_BLOCK);
  return Buffer.concat(chunks);
}

/** Encapsulated PixelData: undefined length, an empty offset table, one fragment, the delimiter. */
function encapsulatedPixelData(fragment: Buffer): Buffer {
  const head = Buffer.alloc(12 + 8 + 8);
  head.writeUInt16LE(0x7fe0, 0);
  head.writeUInt16LE(0x0010, 2);
  head.write('OB', 4, 'latin1');
  head.writeUInt32LE(0xffffffff, 8);
  head.writeUInt16LE(0xfffe, 12);
  head.writeUInt16LE(0xe000, 14);
  head.writeUInt32LE(0, 16);
  head.writeUInt16LE(0xfffe, 20);
  head.writeUInt16LE(0xe000, 22);
  head.writeUInt32LE(fragment.length, 24);
  const end = Buffer.alloc(8);
  end.writeUInt16LE(0xfffe, 0);
  end.writeUInt16LE(0xe0dd, 2);
  return Buffer.concat([head, fragment, end]);
}

/** PackBits runs of `n` zero bytes (replicate runs of up to 128). */
function zeroRuns(n: number): Buffer {
  const out: number[] = [];
  for (let left = n; left > 0; left -= 128) {
    const run = Math.min(128, left);
    out.push(run === 1 ? 0 : 257 - run, 0);
  }
  return Buffer.from(out);
}

/**
 * An RLE frame of 16-bit zeros: a 64-byte header and two segments (high and low bytes). Past
 * 1 Mi pixels the segments stop at one run: the declared size is what a bomb is about.
 */
function rleZeros(pixels: number): Buffer {
  const segment = zeroRuns(pixels <= 1024 * 1024 ? pixels : 128);
  const header = Buffer.alloc(64);
  header.writeUInt32LE(2, 0);
  header.writeUInt32LE(64, 4);
  header.writeUInt32LE(64 + segment.length, 8);
  const body = Buffer.concat([header, segment, segment]);
  return body.length % 2 === 0 ? body : Buffer.concat([body, Buffer.alloc(1)]);
}

/**
 * An RLE Lossless CT instance whose header declares `rows` x `columns` 16-bit pixels while its one
 * fragment holds a few bytes: decoding it would allocate rows x columns x 4 bytes per frame.
 */
export function pixelBomb(uids: BombUids, rows: number, columns: number): Buffer {
  const fragment = rleZeros(rows * columns);
  const header = createDicom({
    sopClassUid: CT_IMAGE_STORAGE,
    sopInstanceUid: uids.sop,
    transferSyntaxUid: RLE_LOSSLESS,
    elements: headerElements(uids, [
      { tag: 0x00280002, vr: 'US', value: 1 },
      { tag: 0x00280004, vr: 'CS', value: 'MONOCHROME2' },
      { tag: 0x00280010, vr: 'US', value: rows },
      { tag: 0x00280011, vr: 'US', value: columns },
      { tag: 0x00280100, vr: 'US', value: 16 },
      { tag: 0x00280101, vr: 'US', value: 16 },
      { tag: 0x00280102, vr: 'US', value: 15 },
      { tag: 0x00280103, vr: 'US', value: 0 },
    ]),
  });
  // PixelData sorts last, so appending it keeps the data set in tag order.
  return Buffer.concat([header, encapsulatedPixelData(fragment)]);
}
