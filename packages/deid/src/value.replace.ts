// Replacement values per VR for the D (dummy), Z (empty) and C (clean) actions.
import type { DicomDataset, DicomElement, DicomValue, Vr } from '@medgrade/dicom';
import { vrOf } from '@medgrade/dicom';
import { shiftDA, shiftDT } from './date.shift.ts';
import type { Run } from './run.types.ts';
import { surrogateAccession, surrogateAeTitle, surrogateId, surrogateName, surrogatePatientId } from './surrogate.ts';
import { mapUid } from './uid.map.ts';
import { isWellFormed } from './well-formed.ts';

const PATIENT_NAME = 0x00100010;
const PATIENT_ID = 0x00100020;
const ACCESSION_NUMBER = 0x00080050;
const DUMMY_TEXT = 'ANONYMIZED';
const BINARY_VRS = new Set<Vr>(['OB', 'OW', 'OD', 'OF', 'OL', 'OV', 'UN']);
const NUMBER_VRS = new Set<Vr>(['US', 'SS', 'UL', 'SL', 'FL', 'FD', 'SV', 'UV', 'AT']);

/** The VR to encode with: the element's own, or the dictionary's when the file said UN. */
export function textVr(e: DicomElement): Vr {
  return e.vr === 'UN' ? vrOf(e.tag) : e.vr;
}

/**
 * Surrogates that "hide in plain sight": Z allows a dummy (PS3.15 Table E.1-1a), so the patient's
 * name, ID and accession number get plausible deterministic values instead of empty ones.
 */
export function surrogateFor(tag: number, original: string, run: Run): string | undefined {
  if (original.trim() === '') return undefined;
  if (tag === PATIENT_NAME) return surrogateName(run.secret, original, run.sex);
  if (tag === PATIENT_ID) return surrogatePatientId(run.secret, original);
  if (tag === ACCESSION_NUMBER) return surrogateAccession(run.secret, original);
  return undefined;
}

/** D: a non-empty value of the right VR that identifies no one. */
export function dummyValue(e: DicomElement, original: string, keyword: string | undefined, run: Run): DicomValue {
  const vr = textVr(e);
  if (NUMBER_VRS.has(vr)) return new Uint8Array(Math.max(2, e.length));
  if (BINARY_VRS.has(vr)) return new Uint8Array(2);
  switch (vr) {
    case 'PN':
      return surrogateName(run.secret, original, '');
    case 'UI':
      return original.split('\\').map((u) => mapUid(run.secret, u, run.uidCache));
    case 'DA':
      return '19000101';
    case 'DT':
      return '19000101000000';
    case 'TM':
      return '000000';
    case 'AS':
      return '000Y';
    case 'IS':
    case 'DS':
      return '0';
    case 'AE':
      return surrogateAeTitle(run.secret, original);
    case 'UR':
      return 'urn:medgrade:removed';
    default:
      return keyword !== undefined && /(ID|Identifier|Number)$/.test(keyword) ? surrogateId(run.secret, original) : DUMMY_TEXT;
  }
}

/** Z: an empty value (binary VRs get zero bytes). */
export function emptyValue(e: DicomElement): DicomValue {
  return BINARY_VRS.has(textVr(e)) || NUMBER_VRS.has(textVr(e)) ? new Uint8Array(0) : '';
}

const TIMEZONE_OFFSET_FROM_UTC = 0x00080201;

/**
 * C for dates, times and AE titles: the new value, null to keep, undefined to clean as free text.
 * A value kept as it is (a time of day and the UTC offset survive whole-day shifts; dates under
 * Retain Full Dates) is kept only when well-formed for its attribute, else emptied (well-formed.ts).
 */
export function cleanValue(e: DicomElement, original: string, run: Run): DicomValue | null | undefined {
  const vr = textVr(e);
  const keepIfWellFormed = () => {
    if (isWellFormed(e.tag, vr, original)) return null;
    run.malformed.push(e.tag);
    return emptyValue(e);
  };
  if (e.tag === TIMEZONE_OFFSET_FROM_UTC) return keepIfWellFormed();
  switch (vr) {
    case 'DA':
      return run.options.retainLongitudinalTemporal === 'modified' ? (shiftDA(original, run.shiftDays) ?? '') : keepIfWellFormed();
    case 'DT':
      return run.options.retainLongitudinalTemporal === 'modified' ? (shiftDT(original, run.shiftDays) ?? '') : keepIfWellFormed();
    case 'TM':
      return keepIfWellFormed();
    case 'AE':
      return surrogateAeTitle(run.secret, original);
    default:
      return undefined;
  }
}

/** Writes a replacement value, recording it so that the gate expects its tokens in the output. */
export function writeValue(ds: DicomDataset, e: DicomElement, value: DicomValue, run: Run): void {
  const vr = textVr(e);
  const text = typeof value === 'string' ? value : Array.isArray(value) ? value.join('\\') : undefined;
  // Unknown tags stay UN: their replacement text goes in as raw bytes.
  ds.set(e.tag, vr === 'UN' && text !== undefined ? Buffer.from(text, 'latin1') : value, vr);
  if (typeof value === 'string') run.generated.push(value);
  else if (Array.isArray(value)) for (const v of value) if (typeof v === 'string') run.generated.push(v);
}
