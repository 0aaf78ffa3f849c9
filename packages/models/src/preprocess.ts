// DICOM frame → model input tensor, step by step as docs/model-bundle.md "Preprocessing" says,
// so the trainer (Python) and the inference service compute the same numbers.
import type { DecodedFrame } from '@medgrade/dicom/pixels';
import type { Manifest } from './manifest.schema.ts';
import { resizeBilinear } from './resize.ts';

/** Header attributes preprocessing reads (modality LUT and VOI window). */
export interface FrameAttributes {
  rescaleSlope?: number | undefined;
  rescaleIntercept?: number | undefined;
  windowCenter?: number | undefined;
  windowWidth?: number | undefined;
}

/** One plane of modality values: stored values through the rescale, colour folded to grey. */
function modalityPlane(frame: DecodedFrame, attrs: FrameAttributes): Float32Array {
  const n = frame.rows * frame.columns;
  const slope = attrs.rescaleSlope ?? 1;
  const intercept = attrs.rescaleIntercept ?? 0;
  const out = new Float32Array(n);
  const d = frame.data;
  if (frame.samplesPerPixel === 3) {
    // Colour input to a grey model: ITU-R BT.601 luma, the usual convention for X-ray JPEGs.
    for (let i = 0; i < n; i++) out[i] = 0.299 * (d[i] ?? 0) + 0.587 * (d[n + i] ?? 0) + 0.114 * (d[2 * n + i] ?? 0);
    return out;
  }
  for (let i = 0; i < n; i++) out[i] = (d[i] ?? 0) * slope + intercept;
  return out;
}

/** Centre and width of the VOI window per `window.mode`. */
export function chooseWindow(plane: Float32Array, mode: Manifest['preprocessing']['window'], attrs: FrameAttributes): { center: number; width: number } {
  if (mode.mode === 'fixed') return { center: mode.center, width: mode.width };
  if (mode.mode === 'header' && attrs.windowCenter !== undefined && attrs.windowWidth !== undefined && attrs.windowWidth > 0) {
    return { center: attrs.windowCenter, width: attrs.windowWidth };
  }
  let min = Infinity;
  let max = -Infinity;
  for (const v of plane) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { center: (min + max) / 2, width: max - min };
}

/** y = clamp((v - (c - w/2)) / w, 0, 1); a zero-width window (flat image) maps to 0. */
export function applyWindow(plane: Float32Array, center: number, width: number): Float32Array {
  const out = new Float32Array(plane.length);
  if (!(width > 0)) return out;
  const low = center - width / 2;
  for (let i = 0; i < plane.length; i++) out[i] = Math.min(Math.max((plane[i] - low) / width, 0), 1);
  return out;
}

/** `[channels, height, width]` float32 input for one frame. */
export function preprocessFrame(frame: DecodedFrame, attrs: FrameAttributes, manifest: Pick<Manifest, 'input' | 'preprocessing'>): Float32Array {
  const pre = manifest.preprocessing;
  const { channels, height, width } = manifest.input;
  const plane = modalityPlane(frame, attrs);
  const { center, width: ww } = chooseWindow(plane, pre.window, attrs);
  const windowed = applyWindow(plane, center, ww);
  if (pre.invertMonochrome1 && frame.photometricInterpretation === 'MONOCHROME1') {
    for (let i = 0; i < windowed.length; i++) windowed[i] = 1 - windowed[i];
  }
  const resized = resizeBilinear(windowed, frame.rows, frame.columns, height, width);
  const { mean, std } = pre.normalize;
  const out = new Float32Array(channels * height * width);
  for (let i = 0; i < resized.length; i++) out[i] = (resized[i] - mean) / std;
  for (let c = 1; c < channels; c++) out.copyWithin(c * height * width, 0, height * width);
  return out;
}
