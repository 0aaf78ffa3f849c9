// Free-text de-identification of a radiology report (dataset labels, issue 11). The report is PHI
// until proven otherwise: dates move by the patient's date shift (or are redacted), e-mail
// addresses, telephone numbers, labelled identifiers ("MRN: ...", "Accession #..."), names after an
// honorific or a role label ("Dr. ...", "Signed by: ...") and every token with 4 or more digits
// are replaced by REMOVED. Then a gate, like the DICOM engine's: the identifiers the caller says
// belong to this report (patient ID, accession number, patient name) are searched for in the
// result with the engine's own needles and matcher, and a hit refuses the report instead of
// storing it. This is pattern redaction, not named-entity recognition: README "Free text".
import { collectNeedle, emptyNeedles, type PhiNeedles } from './phi.needles.ts';
import { matchText, type PhiHit } from './phi.scan.ts';
import { findTextDates, type ReportDatePolicy } from './report.dates.ts';
import { cleanText } from './text.clean.ts';

export type { ReportDatePolicy } from './report.dates.ts';

const MASK = 'REMOVED';

/** Original identifiers that came with a report: searched for, never stored. */
export interface ReportIdentifiers {
  patientId?: string | undefined;
  accessionNumber?: string | undefined;
  patientName?: string | undefined;
}

/** Why a report was refused: a known identifier survived, or something the cleaner must have removed. */
export type ReportRefusal = { reason: 'identifier'; kind: PhiHit['kind'] } | { reason: 'residue'; kind: 'email' | 'phone' | 'digits' };

export type ReportDeidResult = { ok: true; text: string; datesShifted: number; datesRedacted: number } | ({ ok: false } & ReportRefusal);

const EMAIL = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/gu;
// A run of digits with phone punctuation holding 7 or more digits (+1 (555) 123-4567, 030 1234567).
const PHONE = /\+?\(?\d[\d\s()./-]{5,}\d/g;
const ID_LABEL = /\b(MRN|MR#|medical record(?: number| no\.?)?|patient ID|PID|accession(?: number| no\.?| #)?|acc\.? ?#|SSN|social security(?: number)?|insurance(?: ID| number)?|DOB|date of birth)(?![\p{L}])(\s*[:#]?\s*)([\p{L}\p{N}][^\s,;]*?)(?=[.]?(?:\s|$|[,;]))/giu;
// A capitalised word, or an initial with its period ("J.").
const NAME_WORD = "(?:[\\p{Lu}]\\.|[\\p{Lu}][\\p{L}'’-]*)";
const HONORIFIC = new RegExp(`\\b(Dr|Mr|Mrs|Ms|Miss|Mx|Prof|Sr|Sra)(\\.?\\s+)(${NAME_WORD}(?:\\s+${NAME_WORD}){0,2})`, 'gu');
/** Case-insensitive spelling of a label without the `i` flag (which would also make \p{Lu} match lowercase). */
const ci = (label: string) => label.replace(/\p{L}/gu, (c) => `[${c.toLowerCase()}${c.toUpperCase()}]`);
const ROLES = ['patient name', 'patient', 'name', 'signed electronically by', 'signed by', 'signed', 'dictated by', 'reported by', 'read by', 'reviewed by', 'transcribed by', 'verified by', 'referring physician', 'referring', 'attending', 'radiologist', 'physician', 'technologist', 'cc'];
const ROLE_LABEL = new RegExp(`\\b(${ROLES.map(ci).join('|')})(\\s*:\\s*)(${NAME_WORD}(?:,?\\s+${NAME_WORD}){0,3})`, 'gu');
const DIGITS_4 = /(\d\D*){4}/;

function redactGap(text: string): string {
  return cleanText(
    text
      .replace(EMAIL, MASK)
      .replace(ID_LABEL, (_m, label: string, sep: string) => `${label}${sep}${MASK}`)
      .replace(HONORIFIC, (_m, title: string, sep: string) => `${title}${sep}${MASK}`)
      .replace(ROLE_LABEL, (_m, label: string, sep: string) => `${label}${sep}${MASK}`)
      .replace(PHONE, (run) => (run.replace(/\D/g, '').length >= 7 ? MASK : run)),
    emptyNeedles(),
    () => false,
  );
}

function residue(gap: string): ReportRefusal | undefined {
  if (new RegExp(EMAIL.source, 'u').test(gap)) return { reason: 'residue', kind: 'email' };
  for (const run of gap.match(PHONE) ?? []) if (run.replace(/\D/g, '').length >= 7) return { reason: 'residue', kind: 'phone' };
  for (const token of gap.match(/[\p{L}\p{N}]+/gu) ?? []) if (DIGITS_4.test(token)) return { reason: 'residue', kind: 'digits' };
  return undefined;
}

/** The gate's needles for a report: the engine's own forms of the row's identifiers. */
export function reportNeedles(ids: ReportIdentifiers): PhiNeedles {
  const n = emptyNeedles();
  if (ids.patientName) collectNeedle(n, 0x00100010, 'PN', 'PatientName', ids.patientName);
  if (ids.patientId) collectNeedle(n, 0x00100020, 'LO', 'PatientID', ids.patientId);
  if (ids.accessionNumber) collectNeedle(n, 0x00080050, 'SH', 'AccessionNumber', ids.accessionNumber);
  return n;
}

const BIRTH_BEFORE = /(DOB|birth|born|geb\.?)\W{0,3}$/i;

/** De-identifies one report, or refuses it (the result says why, never with a value from the text). */
export function deidentifyReport(text: string, dates: ReportDatePolicy, ids: ReportIdentifiers = {}): ReportDeidResult {
  const parts: string[] = [];
  let at = 0;
  let datesShifted = 0;
  let datesRedacted = 0;
  for (const date of findTextDates(text)) {
    const gap = redactGap(text.slice(at, date.start));
    const refused = residue(gap);
    if (refused) return { ok: false, ...refused };
    const birth = BIRTH_BEFORE.test(text.slice(Math.max(0, date.start - 20), date.start));
    const replaced = birth || dates.mode === 'redact' ? undefined : dates.mode === 'keep' ? date.text : date.shifted(dates.days);
    if (replaced === undefined) datesRedacted += 1;
    else if (dates.mode === 'shift') datesShifted += 1;
    parts.push(gap, replaced ?? MASK);
    at = date.end;
  }
  const tail = redactGap(text.slice(at));
  const refused = residue(tail);
  if (refused) return { ok: false, ...refused };
  const out = parts.join('') + tail;
  const hit = matchText(out, reportNeedles(ids), () => false);
  if (hit !== undefined) return { ok: false, reason: 'identifier', kind: hit };
  return { ok: true, text: out, datesShifted, datesRedacted };
}
