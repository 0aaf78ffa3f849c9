// Dates written in free text (radiology reports): found in the common written forms and shifted
// by the patient's date shift, keeping the form ("2024-03-05" stays ISO, "5 March 2024" stays
// spelled out). A form whose day and month cannot be told apart (03/05/2024) or whose year is two
// digits cannot be shifted correctly, so it is redacted instead.

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const MONTH = '(Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\\.?';
const ORD = '(?:st|nd|rd|th)?';

/** What to do with the dates of a report: move them by the patient's shift, keep or redact them. */
export type ReportDatePolicy = { mode: 'shift'; days: number } | { mode: 'keep' } | { mode: 'redact' };

/** A date found in the text: where, and its replacement (undefined: redact). */
export interface TextDate {
  start: number;
  end: number;
  text: string;
  shifted: (days: number) => string | undefined;
}

type Ymd = { y: number; m: number; d: number };

function valid({ y, m, d }: Ymd): boolean {
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

function move({ y, m, d }: Ymd, days: number): Ymd {
  const t = new Date(Date.UTC(y, m - 1, d) + days * 86_400_000);
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const monthIndex = (name: string) => MONTHS.findIndex((m) => m.startsWith(name.toLowerCase().replace('.', '').slice(0, 3))) + 1;
const titleMonth = (m: number, long: boolean) => {
  const full = MONTHS[m - 1] as string;
  const name = long ? full : full.slice(0, 3);
  return name[0]!.toUpperCase() + name.slice(1);
};

interface Form {
  re: RegExp;
  /** Parses a match; undefined when it is no calendar date or day and month are ambiguous. */
  parse(m: RegExpExecArray): Ymd | undefined;
  format(m: RegExpExecArray, v: Ymd): string;
}

const FORMS: Form[] = [
  { // 2024-03-05, 2024/3/5, 2024.03.05
    re: /\b(\d{4})([-/.])(\d{1,2})\2(\d{1,2})\b/g,
    parse: (m) => ({ y: +m[1]!, m: +m[3]!, d: +m[4]! }),
    format: (m, v) => `${pad(v.y, 4)}${m[2]}${pad(v.m, m[3]!.length)}${m[2]}${pad(v.d, m[4]!.length)}`,
  },
  { // 20240305 (DICOM DA), only plausible years so that identifiers are not read as dates
    re: /\b((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])\b/g,
    parse: (m) => ({ y: +m[1]!, m: +m[2]!, d: +m[3]! }),
    format: (_m, v) => `${pad(v.y, 4)}${pad(v.m)}${pad(v.d)}`,
  },
  { // 05/03/2024 or 03/25/2024: shifted only when one side is over 12 (then day/month is known)
    re: /\b(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})\b/g,
    parse: (m) => {
      const [a, b] = [+m[1]!, +m[3]!];
      if (m[4]!.length !== 4 || (a <= 12 && b <= 12)) return undefined;
      return a > 12 ? { y: +m[4]!, m: b, d: a } : { y: +m[4]!, m: a, d: b };
    },
    format: (m, v) => (+m[1]! > 12 ? `${pad(v.d, m[1]!.length)}${m[2]}${pad(v.m, m[3]!.length)}` : `${pad(v.m, m[1]!.length)}${m[2]}${pad(v.d, m[3]!.length)}`) + `${m[2]}${v.y}`,
  },
  { // 5 March 2024, 5th Mar. 2024
    re: new RegExp(`\\b(\\d{1,2})${ORD}\\s+${MONTH},?\\s+(\\d{4})\\b`, 'gi'),
    parse: (m) => ({ y: +m[3]!, m: monthIndex(m[2]!), d: +m[1]! }),
    format: (m, v) => `${v.d} ${titleMonth(v.m, m[2]!.replace('.', '').length > 3)} ${v.y}`,
  },
  { // March 5, 2024
    re: new RegExp(`\\b${MONTH}\\s+(\\d{1,2})${ORD},?\\s+(\\d{4})\\b`, 'gi'),
    parse: (m) => ({ y: +m[3]!, m: monthIndex(m[1]!), d: +m[2]! }),
    format: (m, v) => `${titleMonth(v.m, m[1]!.replace('.', '').length > 3)} ${v.d}, ${v.y}`,
  },
  { // March 2024 (month precision: the 15th is moved, the month written back)
    re: new RegExp(`\\b${MONTH}\\s+(\\d{4})\\b`, 'gi'),
    parse: (m) => ({ y: +m[2]!, m: monthIndex(m[1]!), d: 15 }),
    format: (m, v) => `${titleMonth(v.m, m[1]!.replace('.', '').length > 3)} ${v.y}`,
  },
];

/** Every date in the text, in order and without overlaps (earlier forms in FORMS win). */
export function findTextDates(text: string): TextDate[] {
  const found: TextDate[] = [];
  for (const form of FORMS) {
    for (const m of text.matchAll(form.re)) {
      const start = m.index;
      const end = start + m[0].length;
      if (found.some((f) => start < f.end && end > f.start)) continue;
      const match = m as RegExpExecArray;
      const ymd = form.parse(match);
      const ok = ymd !== undefined && ymd.m >= 1 && valid(ymd);
      found.push({ start, end, text: m[0], shifted: (days) => (ok ? form.format(match, move(ymd, days)) : undefined) });
    }
  }
  return found.sort((a, b) => a.start - b.start);
}
