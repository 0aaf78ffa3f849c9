// Rendering of stored DICOM bytes for people to look at: WADO-RS /rendered (de-identified objects)
// and the burned-in review's preview (the raw upload), with the same pixel and inflation limits.
import { UnprocessableError } from '@medgrade/contracts';
import { openPixelFrames, PixelDecodeError, type PixelFrames } from '@medgrade/dicom/pixels';
import { encodePng, renderFrame } from '@medgrade/dicom/render';

/** Limits of one decode (config ingest.maxFramePixels / maxInflatedBytes). */
export interface PixelLimits {
  maxFramePixels: number;
  maxInflatedBytes: number;
}

/** Pixel faults become 422 with the decoder's code; messages name encodings, never values. */
export function unprocessable<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof PixelDecodeError) throw new UnprocessableError(`The instance's pixel data cannot be served: ${e.message}`, { reason: e.code });
    throw e;
  }
}

/** The pixel frames of an instance's bytes, within the limits (422 when they cannot be decoded). */
export function pixelFramesOf(bytes: Buffer, limits: PixelLimits): PixelFrames {
  return unprocessable(() => openPixelFrames(bytes, limits));
}

/** Frame 1 as /rendered renders it by default (header window, else value range; 8 bits), as PNG. */
export function renderFirstFramePng(bytes: Buffer, limits: PixelLimits): Buffer {
  const frames = pixelFramesOf(bytes, limits);
  return encodePng(unprocessable(() => renderFrame(frames.decode(0), frames.source, {})));
}
