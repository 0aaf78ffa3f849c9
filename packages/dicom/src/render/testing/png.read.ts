// A small PNG reader for tests: checks the signature and every chunk's CRC-32, inflates the IDAT
// stream and undoes all five row filters. 8-bit grey (colour type 0) and RGB (2), not interlaced:
// what our encoder and DCMTK's dcmj2pnm --write-png --nointerlace produce.
import { crc32, inflateSync } from 'node:zlib';

export interface PngImage {
  width: number;
  height: number;
  channels: number;
  data: Uint8Array;
}

const SIGNATURE = '89504e470d0a1a0a';

function chunks(png: Buffer): { type: string; data: Buffer }[] {
  if (png.subarray(0, 8).toString('hex') !== SIGNATURE) throw new Error('not a PNG signature');
  const out: { type: string; data: Buffer }[] = [];
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    const body = png.subarray(at + 4, at + 8 + length);
    if (png.readUInt32BE(at + 8 + length) !== crc32(body)) throw new Error(`bad CRC in chunk at ${at}`);
    out.push({ type: body.subarray(0, 4).toString('latin1'), data: body.subarray(4) });
    at += 12 + length;
  }
  return out;
}

function unfilter(raw: Buffer, width: number, height: number, bpp: number): Uint8Array {
  const stride = width * bpp;
  const out = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const type = raw[y * (stride + 1)]!;
    for (let i = 0; i < stride; i++) {
      const x = raw[y * (stride + 1) + 1 + i]!;
      const a = i >= bpp ? out[y * stride + i - bpp]! : 0;
      const b = y > 0 ? out[(y - 1) * stride + i]! : 0;
      const c = i >= bpp && y > 0 ? out[(y - 1) * stride + i - bpp]! : 0;
      const p = a + b - c;
      const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      const predictor = [0, a, b, (a + b) >> 1, paeth][type];
      if (predictor === undefined) throw new Error(`unknown filter ${type}`);
      out[y * stride + i] = (x + predictor) & 0xff;
    }
  }
  return out;
}

/** Decodes an 8-bit grey or RGB, non-interlaced PNG. */
export function readPng(png: Buffer): PngImage {
  const all = chunks(png);
  const ihdr = all[0];
  if (ihdr?.type !== 'IHDR' || all.at(-1)?.type !== 'IEND') throw new Error('PNG must start with IHDR and end with IEND');
  const [width, height] = [ihdr.data.readUInt32BE(0), ihdr.data.readUInt32BE(4)];
  const [depth, colourType, , , interlace] = ihdr.data.subarray(8);
  if (depth !== 8 || (colourType !== 0 && colourType !== 2) || interlace !== 0) throw new Error('only 8-bit grey/RGB, non-interlaced');
  const channels = colourType === 2 ? 3 : 1;
  const raw = inflateSync(Buffer.concat(all.filter((c) => c.type === 'IDAT').map((c) => c.data)));
  return { width, height, channels, data: unfilter(raw, width, height, channels) };
}
