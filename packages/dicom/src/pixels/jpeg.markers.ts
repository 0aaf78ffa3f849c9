// What a JPEG stream says about its own colour model before the scan: a JFIF APP0 segment means
// YCbCr components, an Adobe APP14 segment carries a transform flag (0 none, 1 YCbCr). PS3.5
// 8.2.1: the characteristics in the JPEG stream govern its decoding; DICOM's Photometric
// Interpretation decides only where the stream is silent.

/** Colour hints found in the marker segments before the first scan. */
export interface JpegColourMarkers {
  jfif: boolean;
  /** Adobe APP14 transform flag, when the segment is present. */
  adobeTransform?: number;
}

const SOS = 0xda;
const ascii = (bytes: Uint8Array, at: number, text: string) => [...text].every((c, i) => bytes[at + i] === c.charCodeAt(0));

/** Scans the marker segments up to the first SOS; a malformed stream yields what was found so far. */
export function jpegColourMarkers(stream: Uint8Array): JpegColourMarkers {
  const out: JpegColourMarkers = { jfif: false };
  let at = 2; // after SOI
  while (at + 4 <= stream.length && stream[at] === 0xff) {
    const marker = stream[at + 1]!;
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    if (marker === SOS) break;
    const length = (stream[at + 2]! << 8) | stream[at + 3]!;
    const data = at + 4;
    if (marker === 0xe0 && ascii(stream, data, 'JFIF\0')) out.jfif = true;
    if (marker === 0xee && length >= 14 && ascii(stream, data, 'Adobe')) {
      out.adobeTransform = stream[data + 11] ?? 0;
    }
    at += 2 + length;
  }
  return out;
}

/** Whether the stream's three components are YCbCr: its own markers first, else the DICOM value. */
export function streamIsYcbcr(markers: JpegColourMarkers, photometricInterpretation: string): boolean {
  if (markers.adobeTransform !== undefined) return markers.adobeTransform !== 0;
  if (markers.jfif) return true;
  return photometricInterpretation.startsWith('YBR');
}
