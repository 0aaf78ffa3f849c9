// Baseline JPEG (ITU-T T.81) of an 8-bit greyscale image with ONE component. jpeg-js only writes
// three-component YCbCr, which gives a grey image chroma planes that say nothing and makes
// viewers treat it as colour; this encoder writes SOF0 with a single luminance component, the
// Annex K luminance quantization table scaled by quality (the IJG rule) and the Annex K
// luminance Huffman tables.

/** Annex K.1 luminance quantization table, in natural (row-major) order. */
const LUMA_QUANT = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
  18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];
/** Annex K.3 luminance DC table: code counts per length 1-16, then symbols. */
const DC_BITS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
const DC_VALUES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
/** Annex K.3 luminance AC table. */
const AC_BITS = [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d];
const AC_VALUES = [
  0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07, 0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1,
  0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0, 0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a,
  // The remaining run/size symbols in Annex K order: for each run, its sizes in ascending order.
  ...range(0x16, 0x1a), ...range(0x25, 0x2a), ...range(0x34, 0x3a), ...range(0x43, 0x4a), ...range(0x53, 0x5a), ...range(0x63, 0x6a),
  ...range(0x73, 0x7a), ...range(0x83, 0x8a), ...range(0x92, 0x9a), ...range(0xa2, 0xaa), ...range(0xb2, 0xba), ...range(0xc2, 0xca),
  ...range(0xd2, 0xda), ...range(0xe1, 0xea), ...range(0xf1, 0xfa),
];

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** ZIGZAG[k] = natural index of the k-th coefficient in zig-zag order. */
const ZIGZAG: number[] = (() => {
  const out: number[] = [];
  for (let s = 0; s < 15; s++) {
    const cells: number[] = [];
    for (let y = Math.max(0, s - 7); y <= Math.min(7, s); y++) cells.push(y * 8 + (s - y));
    // Even diagonals run bottom-left to top-right, odd ones the other way.
    out.push(...(s % 2 === 0 ? cells.reverse() : cells));
  }
  return out;
})();

/** Code and length per symbol (Annex C). */
function huffmanCodes(bits: number[], values: number[]): { code: number; length: number }[] {
  const out: { code: number; length: number }[] = [];
  let code = 0;
  let k = 0;
  for (let length = 1; length <= 16; length++) {
    for (let i = 0; i < bits[length - 1]!; i++) out[values[k++]!] = { code: code++, length };
    code <<= 1;
  }
  return out;
}
const DC_CODES = huffmanCodes(DC_BITS, DC_VALUES);
const AC_CODES = huffmanCodes(AC_BITS, AC_VALUES);

/** cos((2x+1)uπ/16) scaled by C(u)/2, so F = Σ COS[u][x]·COS[v][y]·f. */
const COS = Array.from({ length: 8 }, (_, u) => Array.from({ length: 8 }, (_, x) => (u === 0 ? Math.SQRT1_2 : 1) * 0.5 * Math.cos(((2 * x + 1) * u * Math.PI) / 16)));

class BitWriter {
  readonly bytes: number[] = [];
  private acc = 0;
  private count = 0;

  write(code: number, length: number): void {
    for (let i = length - 1; i >= 0; i--) {
      this.acc = (this.acc << 1) | ((code >> i) & 1);
      if (++this.count === 8) this.emit();
    }
  }

  /** Pads the last byte with 1-bits (F.1.2.3). */
  flush(): void {
    while (this.count !== 0) this.write(1, 1);
  }

  private emit(): void {
    this.bytes.push(this.acc);
    if (this.acc === 0xff) this.bytes.push(0); // byte stuffing
    this.acc = 0;
    this.count = 0;
  }
}

function quantTable(quality: number): number[] {
  const q = Math.min(Math.max(Math.round(quality), 1), 100);
  const scale = q < 50 ? 5000 / q : 200 - 2 * q;
  return LUMA_QUANT.map((v) => Math.min(Math.max(Math.floor((v * scale + 50) / 100), 1), 255));
}

/** Quantized coefficients of the 8x8 block at (bx, by), edges replicated, in natural order. */
function block(data: Uint8Array, width: number, height: number, bx: number, by: number, quant: number[]): Int32Array {
  const f = new Float64Array(64);
  for (let y = 0; y < 8; y++) {
    const row = Math.min(by + y, height - 1) * width;
    for (let x = 0; x < 8; x++) f[y * 8 + x] = data[row + Math.min(bx + x, width - 1)]! - 128;
  }
  const rows = new Float64Array(64);
  for (let y = 0; y < 8; y++) for (let u = 0; u < 8; u++) {
    let sum = 0;
    for (let x = 0; x < 8; x++) sum += COS[u]![x]! * f[y * 8 + x]!;
    rows[y * 8 + u] = sum;
  }
  const out = new Int32Array(64);
  for (let u = 0; u < 8; u++) for (let v = 0; v < 8; v++) {
    let sum = 0;
    for (let y = 0; y < 8; y++) sum += COS[v]![y]! * rows[y * 8 + u]!;
    out[v * 8 + u] = Math.round(sum / quant[v * 8 + u]!);
  }
  return out;
}

const category = (v: number) => (v === 0 ? 0 : 32 - Math.clz32(Math.abs(v)));
const extraBits = (v: number, size: number) => (v < 0 ? (v - 1) & ((1 << size) - 1) : v);

function encodeBlock(w: BitWriter, coef: Int32Array, previousDc: number): void {
  const diff = coef[0]! - previousDc;
  const dcSize = category(diff);
  w.write(DC_CODES[dcSize]!.code, DC_CODES[dcSize]!.length);
  if (dcSize > 0) w.write(extraBits(diff, dcSize), dcSize);
  let run = 0;
  for (let k = 1; k < 64; k++) {
    const v = coef[ZIGZAG[k]!]!;
    if (v === 0) {
      run++;
      continue;
    }
    for (; run > 15; run -= 16) w.write(AC_CODES[0xf0]!.code, AC_CODES[0xf0]!.length);
    const size = category(v);
    const symbol = AC_CODES[(run << 4) | size]!;
    w.write(symbol.code, symbol.length);
    w.write(extraBits(v, size), size);
    run = 0;
  }
  if (run > 0) w.write(AC_CODES[0]!.code, AC_CODES[0]!.length);
}

function segment(marker: number, body: number[]): number[] {
  const length = body.length + 2;
  return [0xff, marker, length >> 8, length & 0xff, ...body];
}

function headers(width: number, height: number, quant: number[]): number[] {
  return [
    0xff, 0xd8,
    ...segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]), // JFIF 1.01, no thumbnail
    ...segment(0xdb, [0x00, ...ZIGZAG.map((i) => quant[i]!)]),
    // SOF0: 8-bit samples, height, width, one component (id 1, 1x1 sampling, table 0).
    ...segment(0xc0, [8, height >> 8, height & 0xff, width >> 8, width & 0xff, 1, 1, 0x11, 0]),
    ...segment(0xc4, [0x00, ...DC_BITS, ...DC_VALUES, 0x10, ...AC_BITS, ...AC_VALUES]),
    ...segment(0xda, [1, 1, 0x00, 0, 63, 0]),
  ];
}

/** Encodes 8-bit grey samples (width × height, row-major) as a one-component baseline JPEG. */
export function encodeGreyJpeg(data: Uint8Array, width: number, height: number, quality = 90): Buffer {
  const quant = quantTable(quality);
  const w = new BitWriter();
  let dc = 0;
  for (let by = 0; by < height; by += 8) {
    for (let bx = 0; bx < width; bx += 8) {
      const coef = block(data, width, height, bx, by, quant);
      encodeBlock(w, coef, dc);
      dc = coef[0]!;
    }
  }
  w.flush();
  return Buffer.concat([Buffer.from(headers(width, height, quant)), Buffer.from(w.bytes), Buffer.from([0xff, 0xd9])]);
}
