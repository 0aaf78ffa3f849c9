// What `medgrade reindex` writes, as data: the index columns of Instance, Study and Series, the
// values a de-identified object gives them (through the worker's own reader, summarizeInstance),
// and the one set-based UPDATE each table gets per batch. Column names are constants (index.columns.ts),
// never input, so they are spliced into the SQL as identifiers; values travel in one jsonb
// parameter (jsonb_to_recordset), as in the worker's READY commit.
import { Prisma, type IndexColumn, type IndexValue } from '@medgrade/db';

// The columns and the values an object gives them live in @medgrade/db (index.columns.ts), shared
// with the deid-worker's READY commit.
export { INSTANCE_COLUMNS, SERIES_COLUMNS, STUDY_COLUMNS, instanceValues, seriesValues, studyValues } from '@medgrade/db';

type Tx = Prisma.TransactionClient;
type Value = IndexValue;
type Column = IndexColumn;

/** How a table's columns change: always set to the object's value, or only filled where NULL. */
export type UpdateMode = 'refresh' | 'fill';

/** One table's batch update; `guard` adds conditions on t (the row) and x (the jsonb row). */
export interface TableUpdate {
  table: 'Instance' | 'Study' | 'Series';
  columns: readonly Column[];
  mode: UpdateMode;
  rows: ({ id: string } & Record<string, Value>)[];
  guard?: { columns: readonly Column[]; sql: string };
}

const q = (name: string): string => `"${name}"`;

/** The SET list and the "would change" predicate of an update, as SQL text. */
export function updateClauses(columns: readonly Column[], mode: UpdateMode): { set: string; changed: string } {
  const set = columns.map((c) => (mode === 'refresh' ? `${q(c.name)} = x.${q(c.name)}` : `${q(c.name)} = COALESCE(t.${q(c.name)}, x.${q(c.name)})`));
  const changed = columns.map((c) =>
    mode === 'refresh' ? `t.${q(c.name)} IS DISTINCT FROM x.${q(c.name)}` : `(t.${q(c.name)} IS NULL AND x.${q(c.name)} IS NOT NULL)`,
  );
  return { set: set.join(', '), changed: changed.join(' OR ') };
}

/**
 * Updates the rows that differ, locking them in id order first (as the worker's counter updates
 * do, so a reindex and a READY commit on one study queue instead of deadlocking); returns the ids
 * and organizations of the rows it changed.
 */
export async function applyUpdate(tx: Tx, u: TableUpdate): Promise<{ id: string; orgId: string }[]> {
  if (u.rows.length === 0) return [];
  const all = [...u.columns, ...(u.guard?.columns ?? [])];
  const defs = ['"id" uuid', ...all.map((c) => `${q(c.name)} ${c.type}`)].join(', ');
  const { set, changed } = updateClauses(u.columns, u.mode);
  const table = q(u.table);
  return tx.$queryRaw<{ id: string; orgId: string }[]>`
    WITH x AS (SELECT * FROM jsonb_to_recordset(${JSON.stringify(u.rows)}::jsonb) AS x(${Prisma.raw(defs)})),
         locked AS (SELECT "id" FROM ${Prisma.raw(table)} WHERE "id" IN (SELECT "id" FROM x) ORDER BY "id" FOR NO KEY UPDATE)
    UPDATE ${Prisma.raw(table)} AS t SET ${Prisma.raw(set)}, "updatedAt" = now()
    FROM x WHERE t."id" = x."id" AND t."id" IN (SELECT "id" FROM locked)
      AND (${Prisma.raw(changed)}) ${Prisma.raw(u.guard ? `AND ${u.guard.sql}` : '')}
    RETURNING t."id"::text AS "id", t."orgId"::text AS "orgId"`;
}
