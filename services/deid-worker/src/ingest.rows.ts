// The rows of the READY commit's set-based statements (ingest.repository.ts): one object per
// study, series and instance of a batch, sent as one jsonb parameter per statement and read back
// with jsonb_to_recordset. Every value comes from the de-identified output (summarizeInstance);
// absent values are null, so the columns stay NULL and QIDO answers them zero-length.
import type { ReadyResult, WorkInstance } from './ingest.ports.ts';

/** One instance waiting for the READY commit. */
export interface ReadyItem {
  inst: WorkInstance;
  result: ReadyResult;
  requestId?: string;
}

/** A study or series row of the batch: its id, and whether this transaction inserted it. */
export interface KeyedId {
  id: string;
  projectId: string;
  uid: string;
  created: boolean;
}

/** A DA value as the 'YYYY-MM-DD' text a jsonb `date` field reads. */
export const day = (d: Date | undefined): string | null => (d ? d.toISOString().slice(0, 10) : null);
export const json = (rows: unknown[]): string => JSON.stringify(rows);
/** A study or series within its project (UIDs are unique per project only). */
export const studyKey = (projectId: string, uid: string): string => `${projectId} ${uid}`;

// The first item per key, in key order: rows are then locked and inserted in one fixed order.
function byKey<T>(rows: T[], key: (row: T) => string): T[] {
  const unique = new Map<string, T>();
  for (const row of rows) if (!unique.has(key(row))) unique.set(key(row), row);
  return [...unique.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
}

/** One row per study of the batch, from its first instance. */
export function studyRows(items: ReadyItem[]) {
  return byKey(items, (i) => studyKey(i.inst.projectId, i.result.summary.studyInstanceUid)).map(({ inst, result: { summary: s } }) => ({
    orgId: inst.orgId, projectId: inst.projectId, uid: s.studyInstanceUid, surrogate: s.patientSurrogateId ?? null, name: s.patientName ?? null,
    sex: s.patientSex ?? null, ageYears: s.patientAgeYears ?? null, ageBand: s.patientAgeBand ?? null, studyDate: day(s.studyDate),
    modalities: s.modality ? [s.modality] : [], studyTime: s.studyTime ?? null, accession: s.accessionNumber ?? null,
    referrer: s.referringPhysicianName ?? null, birthDate: day(s.patientBirthDate), studyId: s.studyId ?? null, description: s.studyDescription ?? null,
  }));
}

/** One row per series of the batch, from its first instance. */
export function seriesRows(items: ReadyItem[], studies: Map<string, KeyedId>) {
  return byKey(items, (i) => studyKey(i.inst.projectId, i.result.summary.seriesInstanceUid)).map(({ inst, result: { summary: s } }) => ({
    orgId: inst.orgId, projectId: inst.projectId, uid: s.seriesInstanceUid, studyId: studies.get(studyKey(inst.projectId, s.studyInstanceUid))?.id,
    modality: s.modality ?? null, bodyPart: s.bodyPart ?? null, manufacturer: s.manufacturer ?? null, seriesDate: day(s.seriesDate),
    seriesTime: s.seriesTime ?? null, number: s.seriesNumber ?? null, description: s.seriesDescription ?? null,
    ppsDate: day(s.performedProcedureStepStartDate), ppsTime: s.performedProcedureStepStartTime ?? null,
  }));
}

/** One row per instance of the batch: what its READY update writes. */
export function instanceRows(items: ReadyItem[], series: Map<string, KeyedId>) {
  return items.map(({ inst, result: r }) => {
    const s = r.summary;
    return {
      id: inst.id, seriesId: series.get(studyKey(inst.projectId, s.seriesInstanceUid))?.id, objectKey: r.objectKey, byteSize: r.byteSize, sha256: r.sha256,
      burnedIn: r.burnedInFlag, sop: s.sopInstanceUid, sopClass: s.sopClassUid ?? null, study: s.studyInstanceUid, seriesUid: s.seriesInstanceUid,
      rows: s.rows ?? null, columns: s.columns ?? null, frames: s.frames ?? null, bits: s.bitsAllocated ?? null, number: s.instanceNumber ?? null,
    };
  });
}
