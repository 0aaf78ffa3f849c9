// What the verification gate looks for: PHI taken from the input values that the profile removed
// or replaced, in the forms a leak would take (name reorderings, date formats, bare digits).
import type { Vr } from '@medgrade/dicom';
import { isWellKnownUid } from './uid.map.ts';

/** Uppercase alphanumeric tokens of a text value (letters and digits of every script). */
export function tokens(text: string): string[] {
  return text.toUpperCase().split(/[^\p{L}\p{N}]+/u).filter((t) => t !== '');
}

/**
 * Whether `upper` (an uppercased text) contains any of `needles` as a substring: a cheap test that
 * must pass before `tokens(upper)` can hold one of them (every token is a substring of the text it
 * came from, and uppercasing is idempotent), so most values skip the tokenizing regex.
 */
export function containsAny(upper: string, needles: ReadonlySet<string>): boolean {
  for (const n of needles) if (upper.includes(n)) return true;
  return false;
}

const STOPWORDS = new Set(['THE', 'AND', 'WITH', 'FROM', 'THIS', 'THAT', 'WITHOUT', 'NONE', 'UNKNOWN', 'ANONYMIZED', 'ANONYMOUS', 'REMOVED']);
const MIN_LOOSE_TOKEN = 3;
const MIN_FREE_TEXT_TOKEN = 4;
const MIN_ID = 3;
const MIN_PHONE_DIGITS = 7;
const FREE_TEXT_VRS = new Set<Vr>(['LO', 'SH', 'LT', 'ST', 'UT', 'UC']);
const BIRTH_DATE = 0x00100030;

/** Needles grouped by how they are matched. */
export interface PhiNeedles {
  /** Substrings of the uppercased value: full names in several orders, dates in several formats. */
  phrases: Set<string>;
  /** Whole tokens always reported: identifiers (patient ID, accession, ...). */
  strictTokens: Set<string>;
  /** Whole tokens reported unless the same token is expected (kept on purpose, or our own dummy). */
  looseTokens: Set<string>;
  /** Digit strings matched against the digits of a value: telephone numbers. */
  digits: Set<string>;
  /** Original instance UIDs that were mapped. */
  uids: Set<string>;
  /**
   * Tokens of the patient's own names and identifiers: reported wherever they appear unless this
   * run wrote them (a surrogate that happens to share one); a value kept on purpose does not excuse
   * them (kept.scrub.ts cleans such values before writing).
   */
  patientTokens: Set<string>;
}

export function emptyNeedles(): PhiNeedles {
  return { phrases: new Set(), strictTokens: new Set(), looseTokens: new Set(), digits: new Set(), uids: new Set(), patientTokens: new Set() };
}

/** The patient's own names and identifiers (nested ones too, e.g. in Other Patient IDs Sequence). */
const PATIENT_IDENTITY = new Set([0x00100010, 0x00101001, 0x00101005, 0x00100020, 0x00101000]);

function addPatientTokens(n: PhiNeedles, value: string): void {
  for (const t of tokens(value)) if (t.length >= MIN_LOOSE_TOKEN && !STOPWORDS.has(t)) n.patientTokens.add(t);
}

function addName(n: PhiNeedles, value: string): void {
  for (const group of value.toUpperCase().split('=')) {
    const parts = group.split('^').map((p) => p.trim()).filter((p) => p !== '');
    for (const part of parts) for (const t of tokens(part)) if (t.length >= MIN_LOOSE_TOKEN && !STOPWORDS.has(t)) n.looseTokens.add(t);
    const [family, given] = parts;
    if (family === undefined || given === undefined) continue;
    for (const form of [`${family}^${given}`, `${given} ${family}`, `${family} ${given}`, `${family}, ${given}`, `${family},${given}`]) {
      n.phrases.add(form);
    }
  }
}

/** Birth date in DICOM form and the common written forms (ISO, US, European, dotted). */
export function dateForms(da: string): string[] {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(da.trim());
  if (!m) return [];
  const [, y, mo, d] = m as unknown as [string, string, string, string];
  return [`${y}${mo}${d}`, `${y}-${mo}-${d}`, `${y}/${mo}/${d}`, `${d}/${mo}/${y}`, `${mo}/${d}/${y}`, `${d}.${mo}.${y}`, `${d}-${mo}-${y}`];
}

function addIdentifier(n: PhiNeedles, value: string): void {
  for (const v of value.split('\\')) {
    const id = v.trim().toUpperCase();
    if (id.length < MIN_ID || isWellKnownUid(id)) continue;
    if (/^[\p{L}\p{N}]+$/u.test(id)) n.strictTokens.add(id);
    else n.phrases.add(id);
  }
}

function addFreeText(n: PhiNeedles, value: string): void {
  for (const t of tokens(value)) {
    if (t.length >= MIN_FREE_TEXT_TOKEN && /\p{L}/u.test(t) && !STOPWORDS.has(t)) n.looseTokens.add(t);
  }
}

/** Attribute keywords whose values are identifiers rather than prose. */
const ID_KEYWORD = /(ID|IDs|Identifier|Number|Numbers)$/;
const PHONE_KEYWORD = /Telephone/;

/** Records one input value that the profile removed or replaced (action other than K and C). */
export function collectNeedle(n: PhiNeedles, tag: number, vr: Vr, keyword: string | undefined, value: string): void {
  if (value.trim() === '') return;
  if (PATIENT_IDENTITY.has(tag)) addPatientTokens(n, value);
  if (vr === 'PN') return addName(n, value);
  if (vr === 'UI') {
    for (const uid of value.split('\\')) if (uid !== '' && !isWellKnownUid(uid)) n.uids.add(uid.trim());
    return;
  }
  if (tag === BIRTH_DATE) {
    for (const form of dateForms(value)) n.phrases.add(form);
    return;
  }
  if (keyword !== undefined && PHONE_KEYWORD.test(keyword)) {
    for (const v of value.split('\\')) {
      const digits = v.replace(/\D/g, '');
      if (digits.length >= MIN_PHONE_DIGITS) n.digits.add(digits);
    }
    return;
  }
  if (keyword !== undefined && ID_KEYWORD.test(keyword) && vr !== 'IS' && vr !== 'DS') return addIdentifier(n, value);
  if (FREE_TEXT_VRS.has(vr)) addFreeText(n, value);
}
