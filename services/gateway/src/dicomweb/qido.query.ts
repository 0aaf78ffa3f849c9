// QIDO-RS attribute matching (PS3.18 8.3.4, PS3.4 C.2.2.2) parsed into conditions: single values
// and value lists, UID lists, wildcards (`*` any run, `?` one character, anywhere in a value) on
// the string VRs that allow them, date and time ranges, integer lists (IS, where wildcards are not
// allowed), and fuzzy matching of person names. Keys are keywords or tags. A malformed value of a known key is a 400 that names the key and the form to
// use, never the value (values may be identifying); unknown keys are reported for a Warning.
import { BadRequestError } from '@medgrade/contracts';
import type { Condition, QidoKey, Term } from '@medgrade/db';

// The condition types are the index's (@medgrade/db qido.sql.ts turns them into SQL).
export type { Condition, QidoKey, Term };

/** What a query asks of one level. */
export interface QidoSearch {
  conditions: Map<string, Condition>;
  /** Keywords of this level's keys the query names, universal matching included (they are returned). */
  requested: Set<string>;
  /** Query keys this level does not search on (for the Warning header). */
  ignored: string[];
  /** fuzzymatching=true was asked for. */
  fuzzy: boolean;
}

/** Longest value we match (LO/PN are at most 64 characters per value). */
const MAX_VALUE = 64;
const MAX_VALUES = 100;
const UID = /^[0-9]+(\.[0-9]+)*$/;
const RESERVED = new Set(['limit', 'offset', 'includefield', 'fuzzymatching']);

function utcDate(s: string): Date | undefined {
  const [y, m, d] = [Number(s.slice(0, 4)), Number(s.slice(4, 6)), Number(s.slice(6, 8))];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCMonth() === m - 1 && date.getUTCDate() === d ? date : undefined;
}

/** YYYYMMDD, YYYYMMDD-, -YYYYMMDD or YYYYMMDD-YYYYMMDD of real calendar days; undefined otherwise. */
export function parseDateRange(value: string): { from?: Date; to?: Date } | undefined {
  const m = /^(\d{8})?(-)?(\d{8})?$/.exec(value);
  if (!m || (!m[1] && !m[3])) return undefined;
  const from = m[1] ? utcDate(m[1]) : undefined;
  const to = m[3] ? utcDate(m[3]) : m[2] ? undefined : from;
  if ((m[1] && !from) || (m[3] && !to)) return undefined;
  return { from, to };
}

const TM = /^([01]\d|2[0-3])(?:([0-5]\d)(?:([0-5]\d|60)(?:\.(\d{1,6}))?)?)?$/;

/**
 * One side of a TM range as 12 digits; a partial time (HH, HHMM, HHMMSS) covers its whole period,
 * so a lower bound is padded with 0s and an upper one with 9s (10-1030 matches 10:00 to 10:30:59.999999).
 */
function timeBound(value: string, pad: '0' | '9'): string | undefined {
  const m = TM.exec(value);
  if (!m) return undefined;
  return `${m[1]}${m[2] ?? ''}${m[3] ?? ''}${m[4] ?? ''}`.padEnd(12, pad);
}

/** HHMMSS.FFFFFF (any prefix down to HH), as a single time or a range with "-"; undefined otherwise. */
export function parseTimeRange(value: string): { from?: string; to?: string } | undefined {
  const m = /^([^-]*)(-)?([^-]*)$/.exec(value);
  if (!m || (!m[1] && !m[3])) return undefined;
  const from = m[1] ? timeBound(m[1], '0') : undefined;
  const to = m[3] ? timeBound(m[3], '9') : m[2] ? undefined : m[1] ? timeBound(m[1], '9') : undefined;
  if ((m[1] && !from) || (m[3] && !to)) return undefined;
  return { from, to };
}

function invalid(key: QidoKey, fix: string): BadRequestError {
  return new BadRequestError(`Invalid value for QIDO key ${key.keyword}: ${fix}`, { key: key.keyword });
}

function values(key: QidoKey, raw: string, separator: RegExp): string[] {
  if ([...raw].some((ch) => ch < ' ' || ch === '\u007f')) throw invalid(key, 'remove control characters');
  const list = raw.split(separator).map((v) => v.trim()).filter(Boolean);
  if (list.length > MAX_VALUES) throw invalid(key, `give at most ${MAX_VALUES} values`);
  if (list.some((v) => v.length > MAX_VALUE)) throw invalid(key, `each value may have at most ${MAX_VALUE} characters`);
  return list;
}

const INT32_MAX = 2 ** 31 - 1;

// IS takes no wildcards (PS3.4 C.2.2.2.4), so "*" is only universal matching, handled before.
function numbers(key: QidoKey, raw: string): Condition | undefined {
  const list = values(key, raw, /\\/);
  if (list.every((v) => /^\*+$/.test(v))) return undefined;
  const parsed = list.map((v) => (/^[+-]?\d{1,10}$/.test(v) ? Number(v) : NaN));
  if (parsed.some((n) => !Number.isInteger(n) || Math.abs(n) > INT32_MAX)) throw invalid(key, 'use whole numbers, listed with "\\"; wildcards are not allowed on numbers');
  return { kind: 'numbers', values: parsed };
}

function term(value: string): Term {
  return /[*?]/.test(value) ? { pattern: value } : { exact: value };
}

/** The condition of one key, or undefined for universal matching (empty value or a lone "*"). */
function condition(key: QidoKey, raw: string, fuzzy: boolean): Condition | undefined {
  if (raw.trim() === '') return undefined;
  if (key.kind === 'date') {
    const range = parseDateRange(raw.trim());
    if (!range) throw invalid(key, 'use YYYYMMDD, YYYYMMDD-, -YYYYMMDD or YYYYMMDD-YYYYMMDD with real dates');
    return { kind: 'range', ...range };
  }
  if (key.kind === 'time') {
    const range = parseTimeRange(raw.trim());
    if (!range) throw invalid(key, 'use HHMMSS (or HH, HHMM, HHMMSS.FFFFFF) as one time or a range with "-"');
    return { kind: 'times', ...range };
  }
  if (key.kind === 'int') return numbers(key, raw);
  if (key.kind === 'uid') {
    const uids = values(key, raw, /[,\\]/);
    // Only separators ("\\", ","): no UID at all, which would be an empty SQL condition, not a match.
    if (uids.length === 0) throw invalid(key, 'give at least one UID (digits and dots), listed with "," or "\\"');
    if (uids.some((u) => !UID.test(u))) throw invalid(key, 'UIDs are digits and dots, listed with "," or "\\"; wildcards are not allowed on UIDs');
    return { kind: 'match', terms: uids.map((exact) => ({ exact })) };
  }
  const list = values(key, raw, /\\/);
  if (list.every((v) => /^\*+$/.test(v))) return undefined;
  if (key.kind === 'name' && fuzzy) {
    const words = list.flatMap((v) => v.split(/[\^=\s,]+/)).filter((w) => w !== '' && !/^\*+$/.test(w));
    return words.length > 0 ? { kind: 'fuzzy', words } : undefined;
  }
  return { kind: 'match', terms: list.map(term) };
}

function fuzzyFlag(value: unknown): boolean {
  if (value === undefined) return false;
  const v = String(Array.isArray(value) ? value[0] : value);
  if (v !== 'true' && v !== 'false') throw new BadRequestError('Invalid fuzzymatching: use true or false', { key: 'fuzzymatching' });
  return v === 'true';
}

/**
 * A client's text made safe inside a quoted header value: anything but printable ASCII (CR, LF,
 * other controls, non-Latin-1 characters that Node refuses in a header), `"` and `\\` becomes `?`.
 */
export function headerSafe(text: string): string {
  return text.replace(/[^\x20-\x7e]|["\\]/g, '?').slice(0, 64);
}

/** Splits a query into conditions on this level's keys and the names of the keys it ignores. */
export function parseQido(query: Record<string, unknown>, keys: QidoKey[]): QidoSearch {
  const fuzzy = fuzzyFlag(query.fuzzymatching);
  const conditions = new Map<string, Condition>();
  const requested = new Set<string>();
  const ignored: string[] = [];
  for (const [name, value] of Object.entries(query)) {
    if (RESERVED.has(name) || value === undefined) continue;
    const key = keys.find((k) => k.keyword === name || k.tag === name.toUpperCase());
    if (!key) {
      ignored.push(name);
      continue;
    }
    requested.add(key.keyword);
    const c = condition(key, Array.isArray(value) ? String(value[0]) : String(value), fuzzy);
    if (c) conditions.set(key.keyword, c);
  }
  return { conditions, requested, ignored, fuzzy };
}

/** includefield values as a set of keywords/tags (tags upper-cased, as keys compare them; "all" as is). */
export function includeFields(value: string | string[] | undefined): Set<string> {
  const list = Array.isArray(value) ? value : value ? [value] : [];
  return new Set(list.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean).map((v) => (/^[0-9a-f]{8}$/i.test(v) ? v.toUpperCase() : v)));
}
