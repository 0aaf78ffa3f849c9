export { encodeJpeg } from './jpeg.encode.ts';
export { encodePng } from './png.encode.ts';
export { fitViewport, renderFrame, type Image8, type RenderAttributes, type RenderOptions } from './render.ts';
export { resizeBilinear } from './resize.ts';
export { applyVoi, invertUnit, rangeWindow, rescale, usableWidth, type VoiFunction, type VoiWindow } from './voi.ts';
