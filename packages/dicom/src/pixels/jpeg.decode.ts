// JPEG Baseline (Process 1, 8-bit) through jpeg-js, a maintained pure-JavaScript decoder: no
// native build step on hospital machines. Colour frames come back as RGB (decodedPhotometric):
// YCbCr streams converted, RGB streams (PhotometricInterpretation RGB, Adobe transform 0) not.
import jpeg from 'jpeg-js';
import { jpegColourMarkers, streamIsYcbcr } from './jpeg.markers.ts';
import { decodedPhotometric } from './photometric.ts';
import { PixelDecodeError, type DecodedFrame, type PixelSource } from './pixel.types.ts';
import { assertGeometry } from './samples.ts';

/** Decode one JPEG Baseline frame. */
export function decodeJpegBaselineFrame(src: PixelSource, frame: Uint8Array): DecodedFrame {
  assertGeometry(src);
  const photometric = decodedPhotometric(src.photometricInterpretation, src.samplesPerPixel, src.transferSyntaxUid);
  // jpeg-js converts by default; only the stream's markers or the DICOM value may say it is RGB.
  const colorTransform = src.samplesPerPixel === 3 && streamIsYcbcr(jpegColourMarkers(frame), src.photometricInterpretation);
  let image: { width: number; height: number; data: Uint8Array };
  try {
    image = jpeg.decode(frame, { useTArray: true, formatAsRGBA: false, colorTransform, maxMemoryUsageInMB: 1024 });
  } catch (e) {
    throw new PixelDecodeError('BAD_PIXEL_DATA', `JPEG frame could not be decoded: ${(e as Error).message.slice(0, 120)}`);
  }
  if (image.width !== src.columns || image.height !== src.rows) {
    throw new PixelDecodeError('BAD_PIXEL_DATA', `JPEG frame is ${image.width}x${image.height}, header says ${src.columns}x${src.rows}`);
  }
  // jpeg-js always returns 3 interleaved channels (a grey image is replicated into all three).
  const pixels = src.rows * src.columns;
  const stride = image.data.length / pixels;
  if (stride !== 3) throw new PixelDecodeError('BAD_PIXEL_DATA', `JPEG decoder returned ${stride} channels per pixel`);
  const spp = src.samplesPerPixel;
  const data = new Float32Array(pixels * spp);
  for (let p = 0; p < pixels; p++) for (let c = 0; c < spp; c++) data[c * pixels + p] = image.data[p * stride + c] ?? 0;
  return { rows: src.rows, columns: src.columns, samplesPerPixel: spp, photometricInterpretation: photometric, data };
}
