// DICOM frame → model input tensor, step by step as docs/model-bundle.md "Preprocessing" says,
// so the trainer (Python) and the inference service compute the same numbers.
import type { DecodedFrame } from '@medgrade/dicom/pixels';
import { applyVoi, invertUnit, rangeWindow, rescale, resizeBilinear } from '@medgrade/dicom/render';
import type { Manifest } from './manifest.schema.ts';

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
  if (frame.samplesPerPixel !== 3) return rescale(frame.data, attrs.rescaleSlope ?? 1, attrs.rescaleIntercept ?? 0, 0, n);
  // YBR_FULL (native, RLE, expanded 4:2:2) already carries BT.601 luma as its first plane.
  if (frame.photometricInterpretation.startsWith('YBR')) return frame.data.slice(0, n);
  // Colour input to a grey model: ITU-R BT.601 luma, the usual convention for X-ray JPEGs.
  const out = new Float32Array(n);
  const d = frame.data;
  for (let i = 0; i < n; i++) out[i] = 0.299 * (d[i] ?? 0) + 0.587 * (d[n + i] ?? 0) + 0.114 * (d[2 * n + i] ?? 0);
  return out;
}

/** Centre and width of the VOI window per `window.mode`. */
export function chooseWindow(plane: Float32Array, mode: Manifest['preprocessing']['window'], attrs: FrameAttributes): { center: number; width: number } {
  if (mode.mode === 'fixed') return { center: mode.center, width: mode.width };
  if (mode.mode === 'header' && attrs.windowCenter !== undefined && attrs.windowWidth !== undefined && attrs.windowWidth > 0) {
    return { center: attrs.windowCenter, width: attrs.windowWidth };
  }
  const { center, width } = rangeWindow(plane);
  return { center, width };
}

/** y = clamp((v - (c - w/2)) / w, 0, 1) (LINEAR_EXACT); a zero-width window (flat image) maps to 0. */
export function applyWindow(plane: Float32Array, center: number, width: number): Float32Array {
  return applyVoi(plane, { center, width, fn: 'linear-exact' });
}

/** `[channels, height, width]` float32 input for one frame. */
export function preprocessFrame(frame: DecodedFrame, attrs: FrameAttributes, manifest: Pick<Manifest, 'input' | 'preprocessing'>): Float32Array {
  const pre = manifest.preprocessing;
  const { channels, height, width } = manifest.input;
  const plane = modalityPlane(frame, attrs);
  const { center, width: ww } = chooseWindow(plane, pre.window, attrs);
  const windowed = applyWindow(plane, center, ww);
  if (pre.invertMonochrome1 && frame.photometricInterpretation === 'MONOCHROME1') invertUnit(windowed);
  const resized = resizeBilinear(windowed, frame.rows, frame.columns, height, width);
  const { mean, std } = pre.normalize;
  const out = new Float32Array(channels * height * width);
  for (let i = 0; i < resized.length; i++) out[i] = (resized[i] - mean) / std;
  for (let c = 1; c < channels; c++) out.copyWithin(c * height * width, 0, height * width);
  return out;
}
