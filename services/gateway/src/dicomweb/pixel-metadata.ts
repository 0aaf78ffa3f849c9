// WADO-RS /metadata states the Image Pixel attributes of the frames this server returns
// uncompressed, so a client that fetches `application/octet-stream` frames (PS3.18 8.7.3.3.1,
// the default) reads bytes the metadata describes. For a JPEG whose stored Photometric
// Interpretation is YBR_* that means RGB: the decoded frames are RGB (uncompressedDescription),
// and any JPEG decoder a client runs on the stored frames (transfer-syntax=*) outputs RGB too,
// as PS3.5 8.2.1 has the stream's own markers govern its decoding. Encodings this server cannot
// decode keep the stored values: their frames only come as stored.
import { DicomError, imageInfo, pixelData, type DicomFile, type ImageInfo } from '@medgrade/dicom';
import { SUPPORTED_PIXEL_TRANSFER_SYNTAXES, uncompressedDescription } from '@medgrade/dicom/pixels';
import type { DicomJson } from './dicom-json.ts';

const PHOTOMETRIC_INTERPRETATION = '00280004';

/** The image attributes, or undefined when incomplete (its frames are then a 422, the metadata stays as stored). */
function imageAttributes(file: DicomFile): ImageInfo | undefined {
  try {
    return imageInfo(file);
  } catch (e) {
    if (e instanceof DicomError) return undefined;
    throw e;
  }
}

/** Rewrites `json`'s Photometric Interpretation where decoded frames differ from the stored encoding. */
export function describeUncompressedFrames(json: DicomJson, file: DicomFile): DicomJson {
  const px = pixelData(file);
  if (!px?.encapsulated || !SUPPORTED_PIXEL_TRANSFER_SYNTAXES.includes(px.transferSyntaxUid)) return json;
  const info = imageAttributes(file);
  if (!info) return json;
  const served = uncompressedDescription({ ...info, transferSyntaxUid: px.transferSyntaxUid }, true);
  if (served.photometricInterpretation === info.photometricInterpretation.trim()) return json;
  json[PHOTOMETRIC_INTERPRETATION] = { vr: 'CS', Value: [served.photometricInterpretation] };
  return json;
}
