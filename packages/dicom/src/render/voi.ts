// Grayscale pixel pipeline steps (PS3.4 N.2) shared by model preprocessing and WADO-RS rendering:
// modality LUT by rescale (PS3.3 C.11.1.1.2), then the VOI window (PS3.3 C.11.2.1.2) onto [0, 1].

/** VOI LUT Function (0028,1056) values, the third part of PS3.18's `window=center,width,function`. */
export type VoiFunction = 'linear' | 'linear-exact' | 'sigmoid';

export interface VoiWindow {
  center: number;
  width: number;
  fn: VoiFunction;
}

/** Values of one plane (`length` values from `start`) through slope and intercept. */
export function rescale(data: Float32Array, slope = 1, intercept = 0, start = 0, length = data.length - start): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = (data[start + i] ?? 0) * slope + intercept;
  return out;
}

/** Smallest and largest value of a plane ({0, 0} when empty). */
function valueRange(plane: Float32Array): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const v of plane) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return plane.length === 0 ? { min: 0, max: 0 } : { min, max };
}

/** Whether `fn` can use `width`: PS3.3 needs width >= 1 for LINEAR and > 0 otherwise. */
export function usableWidth(width: number, fn: VoiFunction): boolean {
  return Number.isFinite(width) && (fn === 'linear' ? width >= 1 : width > 0);
}

/** One value through the window, in [0, 1]. */
function voiValue(x: number, c: number, w: number, fn: VoiFunction): number {
  if (fn === 'sigmoid') return 1 / (1 + Math.exp((-4 * (x - c)) / w));
  if (fn === 'linear-exact') return Math.min(Math.max((x - (c - w / 2)) / w, 0), 1);
  // LINEAR: the half-pixel offsets of C.11.2.1.2.1, so width 1 is a threshold at c - 0.5.
  if (x <= c - 0.5 - (w - 1) / 2) return 0;
  if (x > c - 0.5 + (w - 1) / 2) return 1;
  return (x - (c - 0.5)) / (w - 1) + 0.5;
}

/** The VOI window applied to a plane, output in [0, 1]; a width `fn` cannot use maps everything to 0. */
export function applyVoi(plane: Float32Array, window: VoiWindow): Float32Array {
  const out = new Float32Array(plane.length);
  const { center, width, fn } = window;
  if (!usableWidth(width, fn)) return out;
  for (let i = 0; i < plane.length; i++) out[i] = voiValue(plane[i] ?? 0, center, width, fn);
  return out;
}

/** A window spanning the plane's own value range exactly (a flat plane gets width 0). */
export function rangeWindow(plane: Float32Array): VoiWindow {
  const { min, max } = valueRange(plane);
  return { center: (min + max) / 2, width: max - min, fn: 'linear-exact' };
}

/** 1 - v in place: MONOCHROME1 shows the lowest value white. */
export function invertUnit(plane: Float32Array): Float32Array {
  for (let i = 0; i < plane.length; i++) plane[i] = 1 - (plane[i] ?? 0);
  return plane;
}
