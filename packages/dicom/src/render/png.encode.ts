// PNG (ISO/IEC 15948) writer on node:zlib: IHDR, one IDAT, IEND, each with its CRC-32. 8-bit grey
// or RGB, no interlace. Each row takes the filter (None, Sub, Up, Average, Paeth) whose output has
// the smallest sum of absolute values, the heuristic the PNG specification suggests (12.8).
import { crc32, deflateSync } from 'node:zlib';
import type { Image8 } from './render.ts';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

/** Filters one row with filter `type` into `out` (without the type byte); returns the heuristic cost. */
function filterRow(type: number, row: Uint8Array, prev: Uint8Array, bpp: number, out: Uint8Array): number {
  let cost = 0;
  for (let i = 0; i < row.length; i++) {
    const x = row[i] ?? 0;
    const a = i >= bpp ? (row[i - bpp] ?? 0) : 0;
    const b = prev[i] ?? 0;
    const c = i >= bpp ? (prev[i - bpp] ?? 0) : 0;
    const predictor = type === 0 ? 0 : type === 1 ? a : type === 2 ? b : type === 3 ? (a + b) >> 1 : paeth(a, b, c);
    const v = (x - predictor) & 0xff;
    out[i] = v;
    cost += v < 128 ? v : 256 - v;
  }
  return cost;
}

/** Encodes an 8-bit grey or RGB image as PNG. */
export function encodePng(image: Image8): Buffer {
  const { width, height, channels, data } = image;
  const stride = width * channels;
  const raw = Buffer.alloc((stride + 1) * height);
  const trial = new Uint8Array(stride);
  let prev: Uint8Array = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const row = data.subarray(y * stride, (y + 1) * stride);
    let best = 0;
    let bestCost = Infinity;
    for (let type = 0; type < 5; type++) {
      const cost = filterRow(type, row, prev, channels, trial);
      if (cost < bestCost) [best, bestCost] = [type, cost];
    }
    raw[y * (stride + 1)] = best;
    filterRow(best, row, prev, channels, raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)));
    prev = row;
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, channels === 3 ? 2 : 0, 0, 0, 0], 8); // bit depth 8; colour type grey (0) or RGB (2)
  return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}
