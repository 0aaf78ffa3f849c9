// What `medgrade reindex` writes, as data: the index columns of Instance, Study and Series, the
// values a de-identified object gives them (through the worker's own reader, summarizeInstance),
// and the one set-based UPDATE each table gets per batch. Column names are constants of this file,
// never input, so they are spliced into the SQL as identifiers; values travel in one jsonb
// parameter (jsonb_to_recordset), as in the worker's READY commit.
import { Prisma } from '@medgrade/db';
import type { InstanceSummary } from '@medgrade/dicom';

type Tx = Prisma.TransactionClient;
type Value = string | number | null;

/** One index column: its name in the table (and in the jsonb rows) and its SQL type. */
export interface Column {
  name: string;
  type: 'text' | 'int' | 'date';
}

const col = (name: string, type: Column['type'] = 'text'): Column => ({ name, type });

/** Refreshed on every READY instance from its own object. */
export const INSTANCE_COLUMNS: readonly Column[] = [
  col('sha256'), col('byteSize', 'int'), col('sopClassUid'), col('rows', 'int'), col('columns', 'int'),
  col('frames', 'int'), col('bitsAllocated', 'int'), col('instanceNumber', 'int'),
];

/** Filled where NULL (the study's first committed instance set the others). */
export const STUDY_COLUMNS: readonly Column[] = [
  col('patientSurrogateId'), col('patientName'), col('patientSex'), col('patientAgeYears', 'int'), col('studyDate', 'date'),
  col('studyTime'), col('accessionNumber'), col('referringPhysicianName'), col('patientBirthDate', 'date'),
  col('dicomStudyId'), col('studyDescription'),
];

/** Filled where NULL, like the study's. */
export const SERIES_COLUMNS: readonly Column[] = [
  col('modality'), col('bodyPart'), col('manufacturer'), col('seriesDate', 'date'), col('seriesTime'),
  col('seriesNumber', 'int'), col('seriesDescription'), col('performedProcedureStepStartDate', 'date'),
  col('performedProcedureStepStartTime'),
];

const day = (d: Date | undefined): string | null => (d ? d.toISOString().slice(0, 10) : null);
const orNull = <T>(v: T | undefined): T | null => v ?? null;

/** The Instance columns an object gives: its summary plus its hash and size. */
export function instanceValues(s: InstanceSummary, sha256: string, byteSize: number): Record<string, Value> {
  return {
    sha256, byteSize, sopClassUid: orNull(s.sopClassUid), rows: orNull(s.rows), columns: orNull(s.columns),
    frames: orNull(s.frames), bitsAllocated: orNull(s.bitsAllocated), instanceNumber: orNull(s.instanceNumber),
  };
}

/**
 * The Study columns an instance's summary gives. patientAgeBand is not among them: the engine
 * computes it from the upload, which is gone; modalities are kept by the worker's counters.
 */
export function studyValues(s: InstanceSummary): Record<string, Value> {
  return {
    patientSurrogateId: orNull(s.patientSurrogateId), patientName: orNull(s.patientName), patientSex: orNull(s.patientSex),
    patientAgeYears: orNull(s.patientAgeYears), studyDate: day(s.studyDate), studyTime: orNull(s.studyTime),
    accessionNumber: orNull(s.accessionNumber), referringPhysicianName: orNull(s.referringPhysicianName),
    patientBirthDate: day(s.patientBirthDate), dicomStudyId: orNull(s.studyId), studyDescription: orNull(s.studyDescription),
  };
}

/** The Series columns an instance's summary gives. */
export function seriesValues(s: InstanceSummary): Record<string, Value> {
  return {
    modality: orNull(s.modality), bodyPart: orNull(s.bodyPart), manufacturer: orNull(s.manufacturer), seriesDate: day(s.seriesDate),
    seriesTime: orNull(s.seriesTime), seriesNumber: orNull(s.seriesNumber), seriesDescription: orNull(s.seriesDescription),
    performedProcedureStepStartDate: day(s.performedProcedureStepStartDate),
    performedProcedureStepStartTime: orNull(s.performedProcedureStepStartTime),
  };
}

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
