import type { ElementSpec } from './dicom.types.ts';
import type { DicomFile } from './file.ts';

export interface CreateDicomInput {
  sopClassUid: string;
  sopInstanceUid: string;
  /** Default explicit VR little endian. */
  transferSyntaxUid?: string;
  /** Data set elements (SOP Class/Instance UID are added from the fields above). SQ values are item lists. */
  elements: ElementSpec[];
}

/** Builds an in-memory file from scratch (edit it further, then `writeDicom`). */
export function createFile(_input: CreateDicomInput): DicomFile {
  throw new Error('not implemented yet');
}

/** Builds a new Part 10 file from scratch, e.g. a synthetic radiograph with an OW PixelData element. */
export function createDicom(_input: CreateDicomInput): Buffer {
  throw new Error('not implemented yet');
}
