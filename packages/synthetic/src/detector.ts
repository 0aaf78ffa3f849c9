import type { Rng } from './prng.ts';
import type { Site } from './sites.ts';

/** Stored pixels plus the header values that make them displayable. */
export interface DetectorImage {
  pixels: Uint16Array;
  windowCenter: number;
  windowWidth: number;
}

/** Modality value that attenuation 1.0 maps to: the site's full stored range, in modality units. */
function modalityMax(site: Site): number {
  return ((2 ** site.bitsStored - 1) * site.rescaleSlope + site.rescaleIntercept) * 0.95;
}

/**
 * Simulates the detector: site contrast curve (gamma), a heel-effect gradient, quantum noise,
 * quantization to BitsStored, MONOCHROME1 inversion and the rescale the header declares.
 */
export function expose(att: Float32Array, rows: number, columns: number, site: Site, rng: Rng): DetectorImage {
  const maxStored = 2 ** site.bitsStored - 1;
  const lo = site.rescaleIntercept + 0.02 * (modalityMax(site) - site.rescaleIntercept);
  const hi = modalityMax(site);
  const heel = rng.uniform(-0.03, 0.03);
  const pixels = new Uint16Array(rows * columns);
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < columns; x++) {
      const i = y * columns + x;
      let a = Math.min(1, Math.max(0, att[i] ?? 0)) ** site.gamma;
      a += heel * (y / rows - 0.5) + site.noise * rng.normal();
      const shown = Math.min(1, Math.max(0, a));
      const level = site.photometric === 'MONOCHROME1' ? 1 - shown : shown;
      const modality = lo + level * (hi - lo);
      const stored = Math.round((modality - site.rescaleIntercept) / site.rescaleSlope);
      pixels[i] = Math.min(maxStored, Math.max(0, stored));
    }
  }
  // The window spans the body's range; a viewer (and our preprocessing) shows it as intended.
  const wLo = lo + 0.02 * (hi - lo);
  const wHi = lo + 0.9 * (hi - lo);
  const invert = site.photometric === 'MONOCHROME1';
  const [a, b] = invert ? [lo + 0.1 * (hi - lo), lo + 0.98 * (hi - lo)] : [wLo, wHi];
  return { pixels, windowCenter: Math.round((a + b) / 2), windowWidth: Math.round(b - a) };
}
