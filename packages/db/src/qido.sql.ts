// QIDO conditions as SQL over the de-identified index (QidoRepository runs them). Every user value
// is a bound parameter; wildcards become LIKE patterns with the value's own `%`, `_` and `\`
// escaped, so they match only themselves. Column names come from the route's key table, never
// from the query. The gateway parses a query into these conditions (dicomweb/qido.query.ts).
import { Prisma } from './generated/prisma/client.ts';

/**
 * One searchable attribute of a level. `uid`: UID lists, no wildcards; `text`/`code`: literal,
 * value lists and wildcards, case-sensitive; `name` (PN): the same, or fuzzy with fuzzymatching=true;
 * `date`: DA ranges; `time`: TM ranges over a TM text column; `int`: IS value lists over an integer
 * column. `column` is the SQL column; `array` when it holds several values (matches any).
 */
export interface QidoKey {
  keyword: string;
  tag: string;
  kind: 'uid' | 'text' | 'date' | 'time' | 'int' | 'code' | 'name';
  column: string;
  array?: boolean;
}

/** One value to match: literally, or as a DICOM wildcard pattern (still holding `*` and `?`). */
export type Term = { exact: string } | { pattern: string };

/** The parsed condition on one attribute. */
export type Condition =
  | { kind: 'match'; terms: Term[] }
  | { kind: 'fuzzy'; words: string[] }
  | { kind: 'range'; from?: Date; to?: Date }
  /** Times as 12 digits (HHMMSSFFFFFF), bounds included. */
  | { kind: 'times'; from?: string; to?: string }
  | { kind: 'numbers'; values: number[] };

/** A DICOM wildcard value as a LIKE pattern: `*` → `%`, `?` → `_`; `%`, `_` and `\` escaped. */
export function likePattern(value: string): string {
  let out = '';
  for (const ch of value) {
    if (ch === '*') out += '%';
    else if (ch === '?') out += '_';
    else if (ch === '%' || ch === '_' || ch === '\\') out += `\\${ch}`;
    else out += ch;
  }
  return out;
}

function termSql(value: Prisma.Sql, t: Term): Prisma.Sql {
  return 'exact' in t ? Prisma.sql`${value} = ${t.exact}` : Prisma.sql`${value} LIKE ${likePattern(t.pattern)} ESCAPE '\\'`;
}

// A fuzzy word matches when it starts one part of the name, ignoring case: the PN components
// (family^given^middle^prefix^suffix, each representation group after "=") and each
// space-separated word inside them. Every word of the query has to match. The word then also
// occurs somewhere in the whole value: that weaker ILIKE is what a trigram index on the column
// can answer (the split cannot use an index), so only its candidates get split.
function fuzzySql(value: Prisma.Sql, words: string[]): Prisma.Sql {
  const each = words.map((w) => {
    const pattern = likePattern(w);
    return Prisma.sql`${value} ILIKE ${`%${pattern}%`} ESCAPE '\\'
      AND EXISTS (SELECT 1 FROM regexp_split_to_table(${value}, '[=^ ]') AS part WHERE part ILIKE ${`${pattern}%`} ESCAPE '\\')`;
  });
  return Prisma.join(each, ' AND ');
}

// A stored TM text (HHMMSS.FFFFFF, a shorter prefix, or the old HH:MM:SS form some files carry) as
// 12 digits, padded like a lower bound, so that text comparison orders times. An expression no
// index serves: time keys narrow rows another key (StudyDate, the series) has already found.
function timeSql(value: Prisma.Sql, c: { from?: string; to?: string }): Prisma.Sql {
  const digits = Prisma.sql`rpad(translate(${value}, ':.', ''), 12, '0')`;
  const bounds = [...(c.from ? [Prisma.sql`${digits} >= ${c.from}`] : []), ...(c.to ? [Prisma.sql`${digits} <= ${c.to}`] : [])];
  return Prisma.sql`(${Prisma.join(bounds, ' AND ')})`;
}

/** The SQL of one condition on a single value. */
export function valueSql(value: Prisma.Sql, c: Condition): Prisma.Sql {
  if (c.kind === 'fuzzy') return Prisma.sql`(${fuzzySql(value, c.words)})`;
  if (c.kind === 'match') return Prisma.sql`(${Prisma.join(c.terms.map((t) => termSql(value, t)), ' OR ')})`;
  if (c.kind === 'numbers') return Prisma.sql`(${value} = ANY(${c.values}::int[]))`;
  if (c.kind === 'times') return timeSql(value, c);
  // As 'YYYY-MM-DD' text: a timestamp parameter would shift with the session's time zone.
  const day = (d: Date) => d.toISOString().slice(0, 10);
  const bounds = [
    ...(c.from ? [Prisma.sql`${value} >= ${day(c.from)}::date`] : []),
    ...(c.to ? [Prisma.sql`${value} <= ${day(c.to)}::date`] : []),
  ];
  return Prisma.sql`(${Prisma.join(bounds, ' AND ')})`;
}

/** One SQL condition per parsed key, on `alias`'s columns (an array column matches when any element does). */
export function conditionsSql(alias: string, keys: readonly QidoKey[], conditions: Map<string, Condition>): Prisma.Sql[] {
  const out: Prisma.Sql[] = [];
  for (const key of keys) {
    const c = conditions.get(key.keyword);
    if (!c) continue;
    const column = Prisma.raw(`${alias}."${key.column}"`);
    out.push(key.array ? Prisma.sql`EXISTS (SELECT 1 FROM unnest(${column}) AS v WHERE ${valueSql(Prisma.raw('v'), c)})` : valueSql(column, c));
  }
  return out;
}
