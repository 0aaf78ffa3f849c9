// One decoded frame → an 8-bit image for a browser (WADO-RS /rendered, PS3.18 9.5): grayscale
// through rescale, the VOI window and MONOCHROME1 inversion; colour scaled from BitsStored to 8
// bits (YBR_FULL converted to RGB); then scaled to fit a viewport, aspect kept.
import { PixelDecodeError, type DecodedFrame, type PixelSource } from '../pixels/pixel.types.ts';
import { resizeBilinear } from './resize.ts';
import { applyVoi, invertUnit, rangeWindow, rescale, usableWidth, type VoiWindow } from './voi.ts';

/** 8-bit pixels, interleaved by channel, row-major. */
export interface Image8 {
  width: number;
  height: number;
  channels: 1 | 3;
  data: Uint8Array;
}

export interface RenderOptions {
  /** VOI window to use; default: the header's first window, else the frame's value range. */
  window?: VoiWindow | undefined;
  /** Largest output size; the image is scaled (up or down) to fit it, aspect kept. */
  viewport?: { width: number; height: number } | undefined;
}

export type RenderAttributes = Pick<PixelSource, 'rescaleSlope' | 'rescaleIntercept' | 'windowCenter' | 'windowWidth' | 'bitsStored'>;

/** Output size of a `columns × rows` image fitted into `viewport` (at least 1 × 1). */
export function fitViewport(columns: number, rows: number, viewport?: { width: number; height: number }): { width: number; height: number } {
  if (!viewport) return { width: columns, height: rows };
  const scale = Math.min(viewport.width / columns, viewport.height / rows);
  return { width: Math.max(1, Math.round(columns * scale)), height: Math.max(1, Math.round(rows * scale)) };
}

/**
 * Averages k × k blocks, so a large reduction does not alias (bilinear alone reads 4 pixels per
 * output pixel). The last `columns % k` columns and `rows % k` rows, under k pixels, are dropped.
 */
function boxReduce(plane: Float32Array, rows: number, columns: number, k: number): { plane: Float32Array; rows: number; columns: number } {
  const outRows = Math.floor(rows / k);
  const outColumns = Math.floor(columns / k);
  const out = new Float32Array(outRows * outColumns);
  for (let y = 0; y < outRows; y++) {
    for (let x = 0; x < outColumns; x++) {
      let sum = 0;
      for (let dy = 0; dy < k; dy++) for (let dx = 0; dx < k; dx++) sum += plane[(y * k + dy) * columns + x * k + dx] ?? 0;
      out[y * outColumns + x] = sum / (k * k);
    }
  }
  return { plane: out, rows: outRows, columns: outColumns };
}

function scalePlane(plane: Float32Array, rows: number, columns: number, size: { width: number; height: number }): Float32Array {
  const k = Math.floor(Math.min(columns / size.width, rows / size.height));
  const reduced = k >= 2 ? boxReduce(plane, rows, columns, k) : { plane, rows, columns };
  return resizeBilinear(reduced.plane, reduced.rows, reduced.columns, size.height, size.width);
}

function headerWindow(attrs: RenderAttributes): VoiWindow | undefined {
  const { windowCenter: center, windowWidth: width } = attrs;
  if (center === undefined || width === undefined || !Number.isFinite(center) || !usableWidth(width, 'linear')) return undefined;
  return { center, width, fn: 'linear' };
}

function grayPlanes(frame: DecodedFrame, attrs: RenderAttributes, window: VoiWindow | undefined): Float32Array[] {
  const values = rescale(frame.data, attrs.rescaleSlope ?? 1, attrs.rescaleIntercept ?? 0);
  const unit = applyVoi(values, window ?? headerWindow(attrs) ?? rangeWindow(values));
  return [frame.photometricInterpretation === 'MONOCHROME1' ? invertUnit(unit) : unit];
}

function colourPlanes(frame: DecodedFrame, attrs: RenderAttributes): Float32Array[] {
  const n = frame.rows * frame.columns;
  const max = 2 ** Math.min(Math.max(attrs.bitsStored, 1), 32) - 1;
  const [a, b, c] = [0, 1, 2].map((s) => rescale(frame.data, 1 / max, 0, s * n, n)) as [Float32Array, Float32Array, Float32Array];
  if (frame.photometricInterpretation === 'RGB') return [a, b, c];
  // YBR_FULL (PS3.3 C.7.6.3.1.2), on values scaled to [0, 1] so chroma is centred on 0.5.
  const r = new Float32Array(n);
  const g = new Float32Array(n);
  const bl = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const y = a[i] ?? 0;
    const cb = (b[i] ?? 0) - 0.5;
    const cr = (c[i] ?? 0) - 0.5;
    r[i] = y + 1.402 * cr;
    g[i] = y - 0.344136 * cb - 0.714136 * cr;
    bl[i] = y + 1.772 * cb;
  }
  return [r, g, bl];
}

function planesOf(frame: DecodedFrame, attrs: RenderAttributes, window: VoiWindow | undefined): Float32Array[] {
  const pi = frame.photometricInterpretation;
  if (frame.samplesPerPixel === 1 && (pi === 'MONOCHROME1' || pi === 'MONOCHROME2')) return grayPlanes(frame, attrs, window);
  if (frame.samplesPerPixel === 3 && (pi === 'RGB' || pi === 'YBR_FULL')) return colourPlanes(frame, attrs);
  throw new PixelDecodeError('UNSUPPORTED_PIXEL_ENCODING', `photometric interpretation ${pi} with ${frame.samplesPerPixel} samples per pixel is not rendered (MONOCHROME1/2, RGB, YBR_FULL)`);
}

/** Renders one decoded frame to 8 bits (grey or RGB). Throws PixelDecodeError for photometrics it cannot show. */
export function renderFrame(frame: DecodedFrame, attrs: RenderAttributes, options: RenderOptions = {}): Image8 {
  const size = fitViewport(frame.columns, frame.rows, options.viewport);
  const planes = planesOf(frame, attrs, options.window).map((p) => scalePlane(p, frame.rows, frame.columns, size));
  const channels = planes.length as 1 | 3;
  const n = size.width * size.height;
  const data = new Uint8Array(n * channels);
  for (let c = 0; c < channels; c++) {
    const plane = planes[c] ?? new Float32Array(n);
    for (let i = 0; i < n; i++) data[i * channels + c] = Math.round(Math.min(Math.max(plane[i] ?? 0, 0), 1) * 255);
  }
  return { width: size.width, height: size.height, channels, data };
}
