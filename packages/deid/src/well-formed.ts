// Well-formedness of values the profile keeps as they are: C values it does not rewrite (times of
// day, Timezone Offset From UTC, dates under Retain Full Dates) and values kept by K (options such
// as Retain Patient Characteristics or Retain Device Identity). A value that does not follow its
// attribute's grammar is not what the attribute means, so keeping it keeps whatever was written
// there (free text planted in Timezone Offset From UTC, a name in Patient's Sex): such a value is
// cleaned instead, and the verification gate checks the output again. Grammars: PS3.5 Table 6.2-1
// per VR, narrowed per attribute where the standard enumerates (PS3.3). Free-text VRs (LO, SH, LT,
// ST, UT, UC, PN, UR) have no grammar to check: kept free text is covered by the patient-token rule
// instead (kept.scrub.ts).
import type { Vr } from '@medgrade/dicom';

const TIMEZONE_OFFSET_FROM_UTC = 0x00080201;
const PATIENT_SEX = 0x00100040;

const DATE = /^(\d{4})(\d{2})(\d{2})$/;
const LEGACY_DATE = /^(\d{4})\.(\d{2})\.(\d{2})$/;
const TIME = /^([01]\d|2[0-3])(?:([0-5]\d)(?:([0-5]\d|60)(?:\.\d{1,6})?)?)?$/;
const LEGACY_TIME = /^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d|60)(?:\.\d{1,6})?)?$/;
const DATETIME = /^(\d{4})(?:(\d{2})(?:(\d{2})(?:([01]\d|2[0-3])(?:([0-5]\d)(?:([0-5]\d|60)(?:\.\d{1,6})?)?)?)?)?)?([+-]\d{4})?$/;
const OFFSET = /^[+-](0\d|1[0-4])[0-5]\d$/;

function validDate(y: string, m: string, d: string): boolean {
  const month = Number(m);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(Number(y), month, 0)).getUTCDate();
}

function isDate(v: string): boolean {
  const m = DATE.exec(v) ?? LEGACY_DATE.exec(v);
  return m !== null && validDate(m[1]!, m[2]!, m[3]!);
}

function isDateTime(v: string): boolean {
  const m = DATETIME.exec(v);
  if (m === null) return false;
  if (m[7] !== undefined && !OFFSET.test(m[7])) return false;
  if (m[2] !== undefined && (Number(m[2]) < 1 || Number(m[2]) > 12)) return false;
  return m[3] === undefined || validDate(m[1]!, m[2]!, m[3]);
}

/** One value (no backslash) against its VR's grammar; free-text VRs are always well-formed. */
function valueFits(vr: Vr, v: string): boolean {
  switch (vr) {
    case 'DA': return isDate(v);
    case 'TM': return TIME.test(v) || LEGACY_TIME.test(v);
    case 'DT': return isDateTime(v);
    case 'AS': return /^\d{3}[DWMY]$/.test(v);
    case 'DS': return v.length <= 16 && /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v);
    case 'IS': return /^[+-]?\d{1,10}$/.test(v) && Math.abs(Number(v)) <= 2 ** 31;
    case 'CS': return /^[A-Z0-9 _]{1,16}$/.test(v);
    case 'UI': return /^(0|[1-9]\d*)(\.(0|[1-9]\d*))*$/.test(v) && v.length <= 64;
    case 'AE': return v.length <= 16 && /^[\x20-\x5b\x5d-\x7e]+$/.test(v);
    default: return true;
  }
}

/** Attributes whose grammar is narrower than their VR's. */
function attributeFits(tag: number, v: string): boolean | undefined {
  if (tag === TIMEZONE_OFFSET_FROM_UTC) return OFFSET.test(v);
  if (tag === PATIENT_SEX) return v === 'M' || v === 'F' || v === 'O';
  return undefined;
}

/**
 * True when every value of a kept element follows its attribute's grammar (empty values too: an
 * empty Type 2 value is well-formed). Leading and trailing spaces are padding, not content.
 */
export function isWellFormed(tag: number, vr: Vr, text: string): boolean {
  return text.split('\\').every((raw) => {
    const v = raw.trim();
    if (v === '') return true;
    return attributeFits(tag, v) ?? valueFits(vr, v);
  });
}

/** VRs whose values have a grammar to check (the others are free text). */
export const STRUCTURED_VRS: ReadonlySet<Vr> = new Set<Vr>(['DA', 'TM', 'DT', 'AS', 'DS', 'IS', 'CS', 'UI', 'AE']);

/** Whether an element of this tag and VR has a grammar beyond free text. */
export function hasGrammar(tag: number, vr: Vr): boolean {
  return STRUCTURED_VRS.has(vr) || tag === TIMEZONE_OFFSET_FROM_UTC;
}
