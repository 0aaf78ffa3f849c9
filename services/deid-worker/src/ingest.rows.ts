// The rows of the READY commit's set-based statements (ingest.repository.ts): one object per
// study, series and instance of a batch, sent as one jsonb parameter per statement and read back
// with jsonb_to_recordset. Every value comes from the de-identified output (summarizeInstance);
// absent values are null, so the columns stay NULL and QIDO answers them zero-length. The index
// columns and their values come from @medgrade/db (index.columns.ts), which `medgrade reindex` uses too.
import { instanceValues, seriesValues, studyValues } from '@medgrade/db';
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
    orgId: inst.orgId, projectId: inst.projectId, uid: s.studyInstanceUid, patientAgeBand: s.patientAgeBand ?? null,
    modalities: s.modality ? [s.modality] : [], ...studyValues(s),
  }));
}

/** One row per series of the batch, from its first instance. */
export function seriesRows(items: ReadyItem[], studies: Map<string, KeyedId>) {
  return byKey(items, (i) => studyKey(i.inst.projectId, i.result.summary.seriesInstanceUid)).map(({ inst, result: { summary: s } }) => ({
    orgId: inst.orgId, projectId: inst.projectId, uid: s.seriesInstanceUid, studyId: studies.get(studyKey(inst.projectId, s.studyInstanceUid))?.id,
    ...seriesValues(s),
  }));
}

/** One row per instance of the batch: what its READY update writes. */
export function instanceRows(items: ReadyItem[], series: Map<string, KeyedId>) {
  return items.map(({ inst, result: r }) => {
    const s = r.summary;
    return {
      id: inst.id, seriesId: series.get(studyKey(inst.projectId, s.seriesInstanceUid))?.id, objectKey: r.objectKey,
      burnedIn: r.burnedInFlag, sop: s.sopInstanceUid, study: s.studyInstanceUid, seriesUid: s.seriesInstanceUid,
      ...instanceValues(s, r.sha256, r.byteSize),
    };
  });
}
