// QIDO-RS attribute matching (PS3.18 8.3.4) translated to index filters: single value, UID list
// (comma separated), leading/trailing * wildcards on text, and date ranges. Keys are keywords or tags.

/** One searchable attribute of a level. */
export interface QidoKey {
  keyword: string;
  tag: string;
  kind: 'uid' | 'text' | 'date' | 'code';
}

/** The parsed condition on one attribute. */
export type Condition =
  | { kind: 'in'; values: string[] }
  | { kind: 'like'; pattern: string }
  | { kind: 'range'; from?: Date; to?: Date };

/** YYYYMMDD, YYYYMMDD-, -YYYYMMDD or YYYYMMDD-YYYYMMDD; undefined when malformed. */
export function parseDateRange(value: string): { from?: Date; to?: Date } | undefined {
  const m = /^(\d{8})?(-)?(\d{8})?$/.exec(value);
  if (!m || (!m[1] && !m[3])) return undefined;
  const date = (s: string) => new Date(Date.UTC(Number(s.slice(0, 4)), Number(s.slice(4, 6)) - 1, Number(s.slice(6, 8))));
  const from = m[1] ? date(m[1]) : undefined;
  const to = m[3] ? date(m[3]) : m[2] ? undefined : from;
  return { from, to };
}

function condition(key: QidoKey, raw: string): Condition | undefined {
  if (key.kind === 'date') {
    const range = parseDateRange(raw);
    return range ? { kind: 'range', ...range } : undefined;
  }
  if (key.kind !== 'uid' && /[*?]/.test(raw)) return { kind: 'like', pattern: raw };
  const values = raw.split(key.kind === 'uid' ? /[,\\]/ : /\\/).map((v) => v.trim()).filter(Boolean);
  return values.length > 0 ? { kind: 'in', values } : undefined;
}

/** Splits a query into conditions on known keys and the names of keys this level ignores. */
export function parseQido(query: Record<string, unknown>, keys: QidoKey[]): { conditions: Map<string, Condition>; ignored: string[] } {
  const reserved = new Set(['limit', 'offset', 'includefield', 'fuzzymatching']);
  const conditions = new Map<string, Condition>();
  const ignored: string[] = [];
  for (const [name, value] of Object.entries(query)) {
    if (reserved.has(name) || value === undefined) continue;
    const key = keys.find((k) => k.keyword === name || k.tag === name.toUpperCase());
    const raw = Array.isArray(value) ? String(value[0]) : String(value);
    const c = key ? condition(key, raw) : undefined;
    if (key && c) conditions.set(key.keyword, c);
    else ignored.push(name);
  }
  return { conditions, ignored };
}

/** includefield values as a set of keywords/tags ("all" included as is). */
export function includeFields(value: string | string[] | undefined): Set<string> {
  const list = Array.isArray(value) ? value : value ? [value] : [];
  return new Set(list.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean));
}

/** A Prisma string filter for a DICOM wildcard: leading/trailing "*" become prefix/suffix/contains; other forms are unsupported (undefined). */
export function wildcardFilter(pattern: string): { startsWith?: string; endsWith?: string; contains?: string; equals?: string } | undefined {
  if (pattern.includes('?')) return undefined;
  const core = pattern.replace(/^\*+|\*+$/g, '');
  if (core.includes('*')) return undefined;
  const head = pattern.startsWith('*');
  const tail = pattern.endsWith('*');
  if (head && tail) return { contains: core };
  if (tail) return { startsWith: core };
  if (head) return { endsWith: core };
  return { equals: core };
}
