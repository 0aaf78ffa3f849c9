// Attributes that say what was done (PS3.15 E.1.1, PS3.3 C.12.1.1.3 / C.7.1.1.1.1 "De-identification").
import type { DicomDataset } from '@medgrade/dicom';
import { BURNED_IN_REVIEWED_METHOD, methodCodes, methodDescription } from './method-codes.ts';
import type { DeidOptions } from './options.ts';

const PATIENT_IDENTITY_REMOVED = 0x00120062;
const DEIDENTIFICATION_METHOD = 0x00120063;
const DEIDENTIFICATION_METHOD_CODE_SEQUENCE = 0x00120064;
const LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED = 0x00280303;
const CODE_VALUE = 0x00080100;
const CODING_SCHEME_DESIGNATOR = 0x00080102;
const CODE_MEANING = 0x00080104;

const TEMPORAL: Record<DeidOptions['retainLongitudinalTemporal'], string> = {
  full: 'UNMODIFIED',
  modified: 'MODIFIED',
  off: 'REMOVED',
};

/**
 * Writes PatientIdentityRemoved, the method (words and CID 7050 codes) and the temporal flag;
 * returns the text written, which the verification gate must expect in the output.
 */
export function addOutputAttributes(ds: DicomDataset, options: DeidOptions, burnedInReviewed = false): string[] {
  const words = [...methodDescription(options), ...(burnedInReviewed ? [BURNED_IN_REVIEWED_METHOD] : [])];
  ds.set(PATIENT_IDENTITY_REMOVED, 'YES', 'CS');
  ds.set(DEIDENTIFICATION_METHOD, words, 'LO');
  ds.setItems(
    DEIDENTIFICATION_METHOD_CODE_SEQUENCE,
    methodCodes(options).map((c) => [
      { tag: CODE_VALUE, vr: 'SH', value: c.value },
      { tag: CODING_SCHEME_DESIGNATOR, vr: 'SH', value: 'DCM' },
      { tag: CODE_MEANING, vr: 'LO', value: c.meaning },
    ]),
  );
  ds.set(LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED, TEMPORAL[options.retainLongitudinalTemporal], 'CS');
  return [...words, 'YES', 'DCM', TEMPORAL[options.retainLongitudinalTemporal]];
}
