import type { DicomFile, ParseOptions } from './file.ts';
import { DicomError } from './dicom.error.ts';

/**
 * Parses a DICOM Part 10 file (or a raw implicit/explicit little endian data set without meta group).
 * Throws DicomError (NOT_DICOM, TRUNCATED, BAD_LENGTH, BAD_STRUCTURE, BAD_VR, TOO_DEEP, TOO_LARGE,
 * UNSUPPORTED_TRANSFER_SYNTAX) and nothing else.
 */
export function parseDicom(_buf: Uint8Array, _opts: ParseOptions = {}): DicomFile {
  throw new DicomError('NOT_DICOM', 'not implemented yet');
}
