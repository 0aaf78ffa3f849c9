// The one mapping from a de-identified instance's summary (@medgrade/dicom summarizeInstance) to
// the index columns of Instance, Study and Series. The deid-worker's READY commit inserts and
// updates these columns and `medgrade reindex` refreshes or fills them; both read the names,
// types and values from here, so a column added here reaches both. Names are constants of this
// file, never input: callers splice them into SQL as identifiers, values travel as one jsonb
// parameter read with jsonb_to_recordset.
import type { InstanceSummary } from '@medgrade/dicom';

/** A value as its jsonb field carries it (dates as 'YYYY-MM-DD'). */
export type IndexValue = string | number | null;

/** One index column: its name in the table (and in the jsonb rows) and its SQL type. */
export interface IndexColumn {
  name: string;
  type: 'text' | 'int' | 'date';
}

const col = (name: string, type: IndexColumn['type'] = 'text'): IndexColumn => ({ name, type });

/** Instance columns an object gives (set on READY, refreshed by reindex). */
export const INSTANCE_COLUMNS: readonly IndexColumn[] = [
  col('sha256'), col('byteSize', 'int'), col('sopClassUid'), col('rows', 'int'), col('columns', 'int'),
  col('frames', 'int'), col('bitsAllocated', 'int'), col('instanceNumber', 'int'),
];

/** Study columns (from the study's first committed instance; reindex fills them where NULL). */
export const STUDY_COLUMNS: readonly IndexColumn[] = [
  col('patientSurrogateId'), col('patientName'), col('patientSex'), col('patientAgeYears', 'int'), col('studyDate', 'date'),
  col('studyTime'), col('accessionNumber'), col('referringPhysicianName'), col('patientBirthDate', 'date'),
  col('dicomStudyId'), col('studyDescription'),
];

/** Series columns, like the study's. */
export const SERIES_COLUMNS: readonly IndexColumn[] = [
  col('modality'), col('bodyPart'), col('manufacturer'), col('seriesDate', 'date'), col('seriesTime'),
  col('seriesNumber', 'int'), col('seriesDescription'), col('performedProcedureStepStartDate', 'date'),
  col('performedProcedureStepStartTime'),
];

/** A DA value as the 'YYYY-MM-DD' text a jsonb `date` field reads. */
export const day = (d: Date | undefined): string | null => (d ? d.toISOString().slice(0, 10) : null);
const orNull = <T>(v: T | undefined): T | null => v ?? null;

/** The Instance columns an object gives: its summary plus its hash and size. */
export function instanceValues(s: InstanceSummary, sha256: string, byteSize: number): Record<string, IndexValue> {
  return {
    sha256, byteSize, sopClassUid: orNull(s.sopClassUid), rows: orNull(s.rows), columns: orNull(s.columns),
    frames: orNull(s.frames), bitsAllocated: orNull(s.bitsAllocated), instanceNumber: orNull(s.instanceNumber),
  };
}

/**
 * The Study columns an instance's summary gives. patientAgeBand is not among them: the engine
 * computes it from the upload (the worker writes it; reindex cannot); modalities are counters.
 */
export function studyValues(s: InstanceSummary): Record<string, IndexValue> {
  return {
    patientSurrogateId: orNull(s.patientSurrogateId), patientName: orNull(s.patientName), patientSex: orNull(s.patientSex),
    patientAgeYears: orNull(s.patientAgeYears), studyDate: day(s.studyDate), studyTime: orNull(s.studyTime),
    accessionNumber: orNull(s.accessionNumber), referringPhysicianName: orNull(s.referringPhysicianName),
    patientBirthDate: day(s.patientBirthDate), dicomStudyId: orNull(s.studyId), studyDescription: orNull(s.studyDescription),
  };
}

/** The Series columns an instance's summary gives. */
export function seriesValues(s: InstanceSummary): Record<string, IndexValue> {
  return {
    modality: orNull(s.modality), bodyPart: orNull(s.bodyPart), manufacturer: orNull(s.manufacturer), seriesDate: day(s.seriesDate),
    seriesTime: orNull(s.seriesTime), seriesNumber: orNull(s.seriesNumber), seriesDescription: orNull(s.seriesDescription),
    performedProcedureStepStartDate: day(s.performedProcedureStepStartDate),
    performedProcedureStepStartTime: orNull(s.performedProcedureStepStartTime),
  };
}

const quote = (name: string): string => `"${name}"`;

/** SQL text of the columns: `"a", "b"` (alias given: `x."a", x."b"`). */
export function columnList(columns: readonly IndexColumn[], alias?: string): string {
  return columns.map((c) => (alias ? `${alias}.${quote(c.name)}` : quote(c.name))).join(', ');
}

/** SQL text of the columns' jsonb_to_recordset definitions: `"a" text, "b" int`. */
export function recordsetDefs(columns: readonly IndexColumn[]): string {
  return columns.map((c) => `${quote(c.name)} ${c.type}`).join(', ');
}
