// JPEG: grey images by jpeg-grey.encode.ts (one component); colour (baseline, 4:2:0 YCbCr)
// through jpeg-js's encoder: the pure-JavaScript library this package
// already uses to decode JPEG Baseline pixel data, so no new dependency and no native build.
import jpeg from 'jpeg-js';
import { encodeGreyJpeg } from './jpeg-grey.encode.ts';
import type { Image8 } from './render.ts';

/** Encodes an 8-bit grey (one component) or RGB image as JPEG at `quality` (1-100). */
export function encodeJpeg(image: Image8, quality = 90): Buffer {
  const { width, height, channels, data } = image;
  if (channels === 1) return encodeGreyJpeg(data, width, height, quality);
  const n = width * height;
  // jpeg-js takes RGBA.
  const rgba = Buffer.alloc(n * 4);
  for (let i = 0; i < n; i++) {
    const r = data[i * channels] ?? 0;
    rgba[i * 4] = r;
    rgba[i * 4 + 1] = data[i * 3 + 1] ?? 0;
    rgba[i * 4 + 2] = data[i * 3 + 2] ?? 0;
    rgba[i * 4 + 3] = 255;
  }
  return jpeg.encode({ data: rgba, width, height }, Math.min(Math.max(Math.round(quality), 1), 100)).data;
}
