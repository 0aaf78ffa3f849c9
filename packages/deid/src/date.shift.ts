// Retain Longitudinal Temporal Information with Modified Dates: every date of one patient moves
// by the same whole number of days, derived from HMAC(secret, patient), so intervals between
// studies (and times of day, and UTC offsets) are kept while the calendar dates are not.
import { keyedDigest } from './hmac.ts';

const MIN_SHIFT_DAYS = 365;
const SHIFT_SPAN_DAYS = 3288; // shifts fall between 1 and 10 years into the past

/** What keys a patient's date shift: the original Patient ID (with its issuer), else the name, else the study. */
export interface PatientKeyParts {
  patientId?: string | undefined;
  issuerOfPatientId?: string | undefined;
  patientName?: string | undefined;
  studyInstanceUid?: string | undefined;
}

/** The one spelling of a patient's date-shift key (the DICOM engine and report text must agree). */
export function patientKey(p: PatientKeyParts): string {
  const id = p.patientId?.trim();
  if (id) return `id:${id}^${p.issuerOfPatientId?.trim() ?? ''}`;
  const name = p.patientName?.trim();
  if (name) return `name:${name}`;
  return `study:${p.studyInstanceUid?.trim() ?? ''}`;
}

/** Days to add to every date of this patient (always negative: dates move into the past). */
export function patientShiftDays(secret: Buffer, patientKey: string): number {
  const d = keyedDigest(secret, 'date-shift', patientKey);
  return -(MIN_SHIFT_DAYS + (d.readUInt32BE(0) % SHIFT_SPAN_DAYS));
}

const MS_PER_DAY = 86_400_000;

/** Shifts "YYYY", "YYYYMM" or "YYYYMMDD" keeping its precision; undefined when not a valid date. */
function shiftDatePart(text: string, days: number): string | undefined {
  if (!/^\d{4}(\d{2}(\d{2})?)?$/.test(text)) return undefined;
  const year = Number(text.slice(0, 4));
  const month = text.length >= 6 ? Number(text.slice(4, 6)) : 7;
  const day = text.length >= 8 ? Number(text.slice(6, 8)) : text.length >= 6 ? 15 : 2;
  if (month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  const shifted = new Date(Date.UTC(year, month - 1, day) + days * MS_PER_DAY);
  const full =
    String(shifted.getUTCFullYear()).padStart(4, '0') +
    String(shifted.getUTCMonth() + 1).padStart(2, '0') +
    String(shifted.getUTCDate()).padStart(2, '0');
  return full.slice(0, text.length);
}

function mapValues(value: string, one: (v: string) => string | undefined): string | undefined {
  const out: string[] = [];
  for (const raw of value.split('\\')) {
    const v = raw.trim();
    if (v === '') {
      out.push('');
      continue;
    }
    const shifted = one(v);
    if (shifted === undefined) return undefined;
    out.push(shifted);
  }
  return out.join('\\');
}

/** DA value (multi-valued allowed; legacy "YYYY.MM.DD" accepted, written back as YYYYMMDD). */
export function shiftDA(value: string, days: number): string | undefined {
  return mapValues(value, (v) => shiftDatePart(v.replace(/^(\d{4})\.(\d{2})\.(\d{2})$/, '$1$2$3'), days));
}

/** DT value "YYYY[MM[DD[HH[MM[SS[.F]]]]]][&ZZXX]": the date part moves, time and offset stay. */
export function shiftDT(value: string, days: number): string | undefined {
  return mapValues(value, (v) => {
    const m = /^(\d{4}(?:\d{2}(?:\d{2})?)?)(\d{0,6}(?:\.\d{1,6})?)([+-]\d{4})?$/.exec(v);
    if (!m) return undefined;
    const date = shiftDatePart(m[1] as string, days);
    return date === undefined ? undefined : date + (m[2] ?? '') + (m[3] ?? '');
  });
}
