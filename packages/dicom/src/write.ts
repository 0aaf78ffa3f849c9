import type { DicomFile, WriteOptions } from './file.ts';

/** medgrade's implementation UID: 2.25 + a fixed random 128-bit number (PS3.5 B.2). */
export const IMPLEMENTATION_CLASS_UID = '2.25.145372843162473318096574373325830123651';
export const IMPLEMENTATION_VERSION_NAME = 'MEDGRADE_0.1.0';

/**
 * Writes a Part 10 file: untouched byte ranges are copied verbatim from `file.source`, edited elements
 * are re-encoded in the file's transfer syntax, enclosing defined lengths recomputed, meta rebuilt.
 */
export function writeDicom(_file: DicomFile, _opts: WriteOptions = {}): Buffer {
  throw new Error('not implemented yet');
}
