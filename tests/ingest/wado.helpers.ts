// Reading WADO-RS responses in tests (multipart parts: ingest.harness.ts): byte differences, and
// what a viewer makes of uncompressed colour frames from the /metadata attributes alone
// (cornerstone's convertColorSpace: RGB as is, YBR_FULL and YBR_FULL_422 through the PS3.3
// C.7.6.3.1.2 matrix).
import { expect } from 'vitest';

/** Largest absolute difference of two equally long byte arrays. */
export function maxDiff(a: Uint8Array, b: Uint8Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Mean absolute difference of two equally long byte arrays. */
export function meanDiff(a: Uint8Array, b: Uint8Array): number {
  expect(a.length).toBe(b.length);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

/** Image Pixel attributes a client reads from /metadata. */
export interface PixelMetadata {
  photometricInterpretation: string;
  planarConfiguration: number;
  rows: number;
  columns: number;
}

/** The 8-bit colour attributes of one /metadata instance. */
export function pixelMetadata(instance: Record<string, { Value?: unknown[] }>): PixelMetadata {
  const first = (tag: string) => instance[tag]?.Value?.[0];
  return {
    photometricInterpretation: String(first('00280004')).trim(),
    planarConfiguration: Number(first('00280006') ?? 0),
    rows: Number(first('00280010')),
    columns: Number(first('00280011')),
  };
}

const clamp = (v: number) => Math.min(255, Math.max(0, Math.round(v)));

/** Interleaved RGB from an 8-bit uncompressed frame, read the way its metadata says. */
export function clientRgb(frame: Uint8Array, meta: PixelMetadata): Uint8Array {
  const pixels = meta.rows * meta.columns;
  const is422 = meta.photometricInterpretation === 'YBR_FULL_422';
  expect(frame.length).toBe(is422 ? pixels * 2 : pixels * 3);
  const sample = (s: number, p: number) => {
    if (is422) return frame[(p >> 1) * 4 + (s === 0 ? p & 1 : s + 1)]!;
    return frame[meta.planarConfiguration === 1 ? s * pixels + p : p * 3 + s]!;
  };
  const out = new Uint8Array(pixels * 3);
  for (let p = 0; p < pixels; p++) {
    const [a, b, c] = [sample(0, p), sample(1, p), sample(2, p)];
    const rgb = meta.photometricInterpretation === 'RGB' ? [a, b, c] : [a + 1.402 * (c - 128), a - 0.344136 * (b - 128) - 0.714136 * (c - 128), a + 1.772 * (b - 128)];
    for (let s = 0; s < 3; s++) out[p * 3 + s] = clamp(rgb[s]!);
  }
  return out;
}
