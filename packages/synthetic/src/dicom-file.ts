import { createDicom } from '@medgrade/dicom';
import { CR_IMAGE_STORAGE, crHeader } from './header.ts';
import type { SyntheticStudy } from './study.ts';

const SOP_TAGS = new Set([0x00080016, 0x00080018]);

/** Encodes a study as a DICOM Part 10 CR file (explicit VR little endian). */
export function studyToDicom(s: SyntheticStudy): Buffer {
  return createDicom({
    sopClassUid: CR_IMAGE_STORAGE,
    sopInstanceUid: s.uids.sop,
    elements: crHeader(s).filter((e) => !SOP_TAGS.has(e.tag)),
  });
}
