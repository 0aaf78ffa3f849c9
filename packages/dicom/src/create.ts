import type { DicomContext } from './dataset.ts';
import { DicomDataset } from './dataset.ts';
import type { ElementSpec } from './dicom.types.ts';
import { TransferSyntax } from './dicom.types.ts';
import type { DicomFile } from './file.ts';
import { Tags } from './tags.ts';
import { writeDicom } from './write.ts';

export interface CreateDicomInput {
  sopClassUid: string;
  sopInstanceUid: string;
  /** Default explicit VR little endian; implicit LE, explicit BE and deflated are written too. */
  transferSyntaxUid?: string;
  /** Data set elements (SOP Class/Instance UID are added from the fields above). SQ values are item lists. */
  elements: ElementSpec[];
}

/** Builds an in-memory file from scratch (edit it further, then `writeDicom`). */
export function createFile(input: CreateDicomInput): DicomFile {
  const ts = input.transferSyntaxUid ?? TransferSyntax.ExplicitVRLittleEndian;
  const source = new Uint8Array(0);
  const context: DicomContext = {
    source,
    littleEndian: ts !== TransferSyntax.ExplicitVRBigEndian,
    explicitVr: ts !== TransferSyntax.ImplicitVRLittleEndian,
  };
  const dataset = new DicomDataset(context);
  // The character set goes first so that every later text value is encoded with it.
  const ordered = [...input.elements].sort((a, b) => Number(b.tag === Tags.SpecificCharacterSet) - Number(a.tag === Tags.SpecificCharacterSet));
  for (const spec of ordered) dataset.apply(spec);
  dataset.set(Tags.SOPClassUID, input.sopClassUid, 'UI');
  dataset.set(Tags.SOPInstanceUID, input.sopInstanceUid, 'UI');
  const meta = new DicomDataset({ source, littleEndian: true, explicitVr: true });
  return { transferSyntaxUid: ts, part10: false, meta, dataset, source, warnings: [] };
}

/** Builds a new Part 10 file from scratch, e.g. a synthetic radiograph with an OW PixelData element. */
export function createDicom(input: CreateDicomInput): Buffer {
  return writeDicom(createFile(input));
}
