// Seeded mutations of real files for the fuzz tests: truncation, flipped bytes, bad length fields,
// cut and inserted runs. Seeded, so a failure reproduces.

/** mulberry32: small, fast, seedable. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LENGTHS = [0, 1, 2, 3, 7, 8, 0xff, 0xffff, 0x10000, 0x7fffffff, 0xfffffffe, 0xffffffff];

export function mutate(seed: Buffer, rand: () => number): Buffer {
  const pick = (n: number): number => Math.floor(rand() * n);
  const buf = Buffer.from(seed);
  switch (pick(5)) {
    case 0:
      return buf.subarray(0, pick(buf.length));
    case 1:
      for (let i = 0, n = 1 + pick(8); i < n; i++) buf[pick(buf.length)] = pick(256);
      return buf;
    case 2: {
      // A length field somewhere after the preamble: 16 or 32 bits, either byte order.
      const at = 132 + pick(Math.max(1, buf.length - 136));
      const value = rand() < 0.5 ? LENGTHS[pick(LENGTHS.length)]! : pick(0x100000000);
      if (rand() < 0.5) buf.writeUInt16LE(value & 0xffff, Math.min(at, buf.length - 2));
      else buf.writeUInt32LE(value >>> 0, Math.min(at, buf.length - 4));
      return buf;
    }
    case 3: {
      const at = pick(buf.length);
      return Buffer.concat([buf.subarray(0, at), buf.subarray(at + 1 + pick(16))]);
    }
    default: {
      const at = pick(buf.length);
      const junk = Buffer.from(Array.from({ length: 1 + pick(32) }, () => pick(256)));
      return Buffer.concat([buf.subarray(0, at), junk, buf.subarray(at)]);
    }
  }
}
