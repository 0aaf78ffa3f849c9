// Index fields read from the de-identified output (never the input): whatever the project's
// profile removed is simply absent here, so sex and age appear only when the profile keeps them.
// The deid-worker indexes with it and `medgrade reindex` refreshes the index with it: one reader,
// so a re-read object gives exactly the values the worker committed.
import type { DicomDataset } from './dataset.ts';
import type { DicomFile } from './file.ts';
import { Tags } from './tags.ts';

/** What the index stores about a de-identified instance (all values already de-identified). */
export interface InstanceSummary {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  sopInstanceUid: string;
  sopClassUid?: string;
  modality?: string;
  bodyPart?: string;
  manufacturer?: string;
  rows?: number;
  columns?: number;
  frames?: number;
  patientSex?: string;
  patientAgeYears?: number;
  /** "40-49", "90+" (from the engine's report; input birth date may have gone). */
  patientAgeBand?: string;
  /** PatientID (0010,0020) of the de-identified output. */
  patientSurrogateId?: string;
  /** PatientName (0010,0010) of the de-identified output, as its PN string (groups joined by "="). */
  patientName?: string;
  studyDate?: Date;
  seriesDate?: Date;
  /** StudyTime (0008,0030) as the output's TM text. */
  studyTime?: string;
  /** AccessionNumber (0008,0050) of the output (a surrogate under the default profile). */
  accessionNumber?: string;
  /** ReferringPhysicianName (0008,0090) of the output as its PN string (emptied by the default profile). */
  referringPhysicianName?: string;
  patientBirthDate?: Date;
  /** StudyID (0020,0010) of the output. */
  studyId?: string;
  studyDescription?: string;
  seriesNumber?: number;
  seriesDescription?: string;
  /** SeriesTime (0008,0031) as the output's TM text. */
  seriesTime?: string;
  performedProcedureStepStartDate?: Date;
  /** PerformedProcedureStepStartTime (0040,0245) as the output's TM text. */
  performedProcedureStepStartTime?: string;
  instanceNumber?: number;
  bitsAllocated?: number;
}

const T = {
  StudyInstanceUID: 0x0020000d,
  SeriesInstanceUID: 0x0020000e,
  Modality: 0x00080060,
  BodyPartExamined: 0x00180015,
  Manufacturer: 0x00080070,
  PatientName: 0x00100010,
  PatientID: 0x00100020,
  PatientSex: 0x00100040,
  PatientAge: 0x00101010,
  StudyDate: 0x00080020,
  SeriesDate: 0x00080021,
  StudyTime: 0x00080030,
  SeriesTime: 0x00080031,
  AccessionNumber: 0x00080050,
  ReferringPhysicianName: 0x00080090,
  StudyDescription: 0x00081030,
  SeriesDescription: 0x0008103e,
  PatientBirthDate: 0x00100030,
  StudyID: 0x00200010,
  SeriesNumber: 0x00200011,
  InstanceNumber: 0x00200013,
  PerformedProcedureStepStartDate: 0x00400244,
  PerformedProcedureStepStartTime: 0x00400245,
} as const;

const INT32_MAX = 2 ** 31 - 1;

function text(ds: DicomDataset, t: number): string | undefined {
  const v = ds.getString(t)?.trim();
  return v ? v : undefined;
}

/** An IS/US value that fits the index's integer column; anything else → undefined. */
function integer(ds: DicomDataset, t: number): number | undefined {
  const n = ds.getNumber(t);
  return n !== undefined && Number.isInteger(n) && Math.abs(n) <= INT32_MAX ? n : undefined;
}

/** YYYYMMDD → UTC date; anything else (empty, partial, nonsense) → undefined. */
export function dicomDate(value: string | undefined): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(value ?? '');
  if (!m) return undefined;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return Number.isNaN(d.getTime()) || d.getUTCDate() !== Number(m[3]) ? undefined : d;
}

/** PS3.5 AS (e.g. "045Y", "006M") → whole years; capped at 90 like the profile's age rule. */
export function ageInYears(value: string | undefined): number | undefined {
  const m = /^(\d{3})([DWMY])$/.exec(value ?? '');
  if (!m) return undefined;
  const perYear = { D: 365.25, W: 52.18, M: 12, Y: 1 }[m[2] as 'D' | 'W' | 'M' | 'Y'];
  return Math.min(90, Math.floor(Number(m[1]) / perYear));
}

// Study and series values are kept from the first committed instance of each (ON CONFLICT DO
// NOTHING in ingest.repository.ts), so every instance reports them and the first one wins.
function studyFields(ds: DicomDataset): Partial<InstanceSummary> {
  return {
    patientSurrogateId: text(ds, T.PatientID),
    patientName: text(ds, T.PatientName),
    patientBirthDate: dicomDate(text(ds, T.PatientBirthDate)),
    studyDate: dicomDate(text(ds, T.StudyDate)),
    studyTime: text(ds, T.StudyTime),
    accessionNumber: text(ds, T.AccessionNumber),
    referringPhysicianName: text(ds, T.ReferringPhysicianName),
    studyId: text(ds, T.StudyID),
    studyDescription: text(ds, T.StudyDescription),
  };
}

function seriesFields(ds: DicomDataset): Partial<InstanceSummary> {
  return {
    modality: text(ds, T.Modality),
    bodyPart: text(ds, T.BodyPartExamined),
    manufacturer: text(ds, T.Manufacturer),
    seriesDate: dicomDate(text(ds, T.SeriesDate)),
    seriesTime: text(ds, T.SeriesTime),
    seriesNumber: integer(ds, T.SeriesNumber),
    seriesDescription: text(ds, T.SeriesDescription),
    performedProcedureStepStartDate: dicomDate(text(ds, T.PerformedProcedureStepStartDate)),
    performedProcedureStepStartTime: text(ds, T.PerformedProcedureStepStartTime),
  };
}

/** Reads the fields the index keeps; throws when the output lacks the UIDs that key it. */
export function summarizeInstance(file: DicomFile): InstanceSummary {
  const ds = file.dataset;
  const studyInstanceUid = text(ds, T.StudyInstanceUID);
  const seriesInstanceUid = text(ds, T.SeriesInstanceUID);
  const sopInstanceUid = text(ds, Tags.SOPInstanceUID);
  if (!studyInstanceUid || !seriesInstanceUid || !sopInstanceUid) throw new Error('de-identified output lacks study/series/SOP instance UID');
  const sex = text(ds, T.PatientSex);
  return {
    ...studyFields(ds),
    ...seriesFields(ds),
    studyInstanceUid,
    seriesInstanceUid,
    sopInstanceUid,
    sopClassUid: text(ds, Tags.SOPClassUID),
    rows: ds.getNumber(Tags.Rows),
    columns: ds.getNumber(Tags.Columns),
    bitsAllocated: integer(ds, Tags.BitsAllocated),
    frames: ds.has(Tags.PixelData) ? (ds.getNumber(Tags.NumberOfFrames) ?? 1) : undefined,
    instanceNumber: integer(ds, T.InstanceNumber),
    patientSex: sex && ['M', 'F', 'O'].includes(sex) ? sex : undefined,
    patientAgeYears: ageInYears(text(ds, T.PatientAge)),
  };
}
