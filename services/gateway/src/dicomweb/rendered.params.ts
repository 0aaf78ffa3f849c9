// Request parameters of the WADO-RS frame and rendered routes, checked into what the renderer
// needs: 0-based frame indices, the VOI window, the viewport and the output media type. Query
// syntax is already checked by the contracts' schemas; these add ranges and meaning.
import { AppError, BadRequestError } from '@medgrade/contracts';
import type { VoiFunction, VoiWindow } from '@medgrade/dicom/render';
import { usableWidth } from '@medgrade/dicom/render';
import { parseAccept } from './accept.ts';

/** Largest viewport side: bounds the memory one rendered image can take. */
export const MAX_VIEWPORT = 4096;

export type RenderedMedia = 'image/png' | 'image/jpeg';

/** 1-based frame list → 0-based indices; 400 naming the valid range for a number outside it. */
export function frameIndices(frameList: string, numberOfFrames: number): number[] {
  return frameList.split(',').map((text) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1 || n > numberOfFrames) {
      const valid = numberOfFrames === 1 ? 'frame 1' : `frames 1 to ${numberOfFrames}`;
      throw new BadRequestError(`Frame ${text} is out of range: this instance has ${valid}`, { numberOfFrames });
    }
    return n - 1;
  });
}

/** `center,width[,function]` → a VOI window; 400 for a width the function cannot use. */
export function parseWindow(text: string | undefined): VoiWindow | undefined {
  if (text === undefined) return undefined;
  const [c = '', w = '', f = 'linear'] = text.split(',');
  const window = { center: Number(c), width: Number(w), fn: f.toLowerCase() as VoiFunction };
  if (!Number.isFinite(window.center) || !usableWidth(window.width, window.fn)) {
    throw new BadRequestError('window: width must be at least 1 for linear, and above 0 for linear-exact and sigmoid', { key: 'window' });
  }
  return window;
}

/** `vw,vh` → the viewport; 400 outside 1..MAX_VIEWPORT. */
export function parseViewport(text: string | undefined): { width: number; height: number } | undefined {
  if (text === undefined) return undefined;
  const [width = 0, height = 0] = text.split(',').map(Number);
  if (!(width >= 1 && height >= 1 && width <= MAX_VIEWPORT && height <= MAX_VIEWPORT)) {
    throw new BadRequestError(`viewport: vw and vh must be between 1 and ${MAX_VIEWPORT}`, { key: 'viewport' });
  }
  return { width, height };
}

/** The rendered media type for an `accept` query value or Accept header; PNG unless JPEG is preferred. */
export function renderedMedia(acceptQuery: string | undefined, acceptHeader: string | undefined): RenderedMedia {
  const ranges = parseAccept(acceptQuery ?? acceptHeader);
  if (ranges.length === 0) return 'image/png';
  for (const { media } of ranges) {
    if (media === 'image/png' || media === 'image/*' || media === '*/*') return 'image/png';
    if (media === 'image/jpeg') return 'image/jpeg';
  }
  throw new AppError('NOT_ACCEPTABLE', 'Rendered images are served as image/png or image/jpeg');
}
