// Hostile archives for the bomb tests, written byte by byte (PKWARE APPNOTE 4.3, RFC 1952) so a
// test can declare what a real tool never would: thousands of entries, entries sharing one
// compressed kernel, a gzip stream of zeros far larger than its wire size.
import { randomBytes } from 'node:crypto';
import { constants, crc32, deflateRawSync } from 'node:zlib';

/** One archive entry; stored or deflated. */
export interface ZipEntry {
  name: string;
  data: Buffer;
  deflate?: boolean;
}

interface Written {
  name: Buffer;
  method: number;
  crc: number;
  compressed: number;
  size: number;
  offset: number;
}

function localHeader(w: Omit<Written, 'offset'>): Buffer {
  const h = Buffer.alloc(30);
  h.writeUInt32LE(0x04034b50, 0);
  h.writeUInt16LE(20, 4);
  h.writeUInt16LE(w.method, 8);
  h.writeUInt16LE(0x21, 12); // 1980-01-01
  h.writeUInt32LE(w.crc, 14);
  h.writeUInt32LE(w.compressed, 18);
  h.writeUInt32LE(w.size, 22);
  h.writeUInt16LE(w.name.length, 26);
  return Buffer.concat([h, w.name]);
}

function centralHeader(w: Written): Buffer {
  const h = Buffer.alloc(46);
  h.writeUInt32LE(0x02014b50, 0);
  h.writeUInt16LE(20, 4);
  h.writeUInt16LE(20, 6);
  h.writeUInt16LE(w.method, 10);
  h.writeUInt16LE(0x21, 14);
  h.writeUInt32LE(w.crc, 16);
  h.writeUInt32LE(w.compressed, 20);
  h.writeUInt32LE(w.size, 24);
  h.writeUInt16LE(w.name.length, 28);
  h.writeUInt32LE(w.offset, 42);
  return Buffer.concat([h, w.name]);
}

function endOfDirectory(count: number, size: number, offset: number): Buffer {
  const e = Buffer.alloc(22);
  e.writeUInt32LE(0x06054b50, 0);
  e.writeUInt16LE(count, 8);
  e.writeUInt16LE(count, 10);
  e.writeUInt32LE(size, 12);
  e.writeUInt32LE(offset, 16);
  return e;
}

/** A well-formed zip of `entries`. */
export function makeZip(entries: ZipEntry[]): Buffer {
  const parts: Buffer[] = [];
  const written: Written[] = [];
  let offset = 0;
  for (const e of entries) {
    const body = e.deflate ? deflateRawSync(e.data) : e.data;
    const w = { name: Buffer.from(e.name), method: e.deflate ? 8 : 0, crc: crc32(e.data), compressed: body.length, size: e.data.length, offset };
    const local = localHeader(w);
    parts.push(local, body);
    written.push(w);
    offset += local.length + body.length;
  }
  const directory = Buffer.concat(written.map(centralHeader));
  return Buffer.concat([...parts, directory, endOfDirectory(written.length, directory.length, offset)]);
}

/**
 * The overlapping-entries bomb: one local entry (a deflated kernel) and `count` directory entries
 * that all point at it, so an unchecked reader inflates the kernel `count` times.
 */
export function overlappingZip(kernel: Buffer, count: number): Buffer {
  const body = deflateRawSync(kernel);
  const first = { name: Buffer.from('kernel.dcm'), method: 8, crc: crc32(kernel), compressed: body.length, size: kernel.length, offset: 0 };
  const local = localHeader(first);
  const entries = Array.from({ length: count }, () => ({ ...first }));
  const directory = Buffer.concat(entries.map(centralHeader));
  return Buffer.concat([local, body, directory, endOfDirectory(count, directory.length, local.length + body.length)]);
}

/**
 * A .tar.gz body whose tar holds one file of `size` zeros: a few KB on the wire. The gzip trailer
 * carries the true CRC and size, so only a size limit stops it.
 */
export function gzipBomb(size: number): Buffer {
  const CHUNK = 1024 * 1024;
  if (size % CHUNK !== 0) throw new RangeError('size must be a multiple of 1 MiB');
  const tarHeader = Buffer.alloc(512);
  tarHeader.write(`bomb-${randomBytes(4).toString('hex')}.bin`, 0, 'utf8');
  tarHeader.write('0000644\0', 100, 'latin1');
  tarHeader.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  tarHeader.write('0', 156, 'latin1');
  tarHeader.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of tarHeader) sum += b;
  tarHeader.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  const sync = { finishFlush: constants.Z_SYNC_FLUSH, level: 9 };
  const zeros = Buffer.alloc(CHUNK);
  const zeroBlock = deflateRawSync(zeros, sync);
  const parts = [Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]), deflateRawSync(tarHeader, sync)];
  let crc = crc32(tarHeader);
  for (let i = 0; i < size / CHUNK; i++) {
    parts.push(zeroBlock);
    crc = crc32(zeros, crc);
  }
  const tail = Buffer.alloc(1024); // two zero blocks end the tar
  parts.push(deflateRawSync(tail));
  crc = crc32(tail, crc);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE((512 + size + 1024) % 2 ** 32, 4);
  parts.push(trailer);
  return Buffer.concat(parts);
}
