// The de-identification report: what the output is (new UIDs, image facts, subgroup keys the
// platform needs for evaluation) and what each tag became. Never an input value.
import type { DicomDataset } from '@medgrade/dicom';
import { formatTag } from '@medgrade/dicom';
import type { Action } from './action.resolve.ts';
import { ageBand, ageFromDates, ageYears } from './age.ts';
import type { BurnedInAssessment } from './burned-in.ts';

/** Result facts of one de-identified instance; safe to log, store and return from the API. */
export interface DeidReport {
  studyInstanceUid: string | undefined;
  seriesInstanceUid: string | undefined;
  sopInstanceUid: string | undefined;
  sopClassUid: string | undefined;
  transferSyntaxUid: string;
  modality: string | undefined;
  bodyPart: string | undefined;
  manufacturer: string | undefined;
  rows: number | undefined;
  columns: number | undefined;
  frames: number | undefined;
  /** Present only when Retain Patient Characteristics kept it. */
  sex: 'M' | 'F' | 'O' | undefined;
  /** "40-49", "90+"; present only when patient characteristics are kept. */
  ageBand: string | undefined;
  burnedIn: BurnedInAssessment;
  /** Tag "(gggg,eeee)" → action applied (D, Z, X, K, C, U); nested occurrences included. */
  actions: Record<string, Action>;
  /** Private elements removed (their tags are not listed one by one). */
  privateRemoved: number;
  /** Tags "(gggg,eeee)" of kept values cleaned because they carried a token of the patient's names or IDs (kept.scrub.ts). */
  keptCleaned: string[];
  /** Tags of values kept as they are (C or K) that were emptied for not following their attribute's grammar (well-formed.ts). */
  keptMalformed: string[];
}

/** Facts read from the input before any edit (age needs the original birth and study dates). */
export interface InputFacts {
  ageYears: number | undefined;
}

/** Reads the input-only facts: age from PatientAge, else from birth date and study date. */
export function readInputFacts(ds: DicomDataset): InputFacts {
  const as = ds.getString(0x00101010);
  const fromAs = as === undefined ? undefined : ageYears(as);
  if (fromAs !== undefined) return { ageYears: fromAs };
  const birth = ds.getString(0x00100030);
  const at = ds.getString(0x00080020) ?? ds.getString(0x00080023);
  return { ageYears: birth && at ? ageFromDates(birth, at) : undefined };
}

function text(ds: DicomDataset, tag: number): string | undefined {
  const v = ds.getString(tag)?.trim();
  return v === undefined || v === '' ? undefined : v;
}

/** Everything the report needs besides the de-identified data set. */
export interface ReportParts {
  transferSyntaxUid: string;
  facts: InputFacts;
  keepCharacteristics: boolean;
  burnedIn: BurnedInAssessment;
  actions: ReadonlyMap<number, Action>;
  privateRemoved: number;
  keptCleaned: string[];
  keptMalformed: string[];
}

function actionsByTag(actions: ReadonlyMap<number, Action>): Record<string, Action> {
  const out: Record<string, Action> = {};
  for (const [tag, action] of actions) out[formatTag(tag)] = action;
  return out;
}

/** Builds the report from the de-identified data set. */
export function buildReport(ds: DicomDataset, parts: ReportParts): DeidReport {
  const sex = text(ds, 0x00100040);
  const keep = parts.keepCharacteristics;
  return {
    studyInstanceUid: text(ds, 0x0020000d),
    seriesInstanceUid: text(ds, 0x0020000e),
    sopInstanceUid: text(ds, 0x00080018),
    sopClassUid: text(ds, 0x00080016),
    transferSyntaxUid: parts.transferSyntaxUid,
    modality: text(ds, 0x00080060),
    bodyPart: text(ds, 0x00180015),
    manufacturer: text(ds, 0x00080070),
    rows: ds.getNumber(0x00280010),
    columns: ds.getNumber(0x00280011),
    frames: ds.getNumber(0x00280008) ?? (ds.has(0x7fe00010) ? 1 : undefined),
    sex: keep && (sex === 'M' || sex === 'F' || sex === 'O') ? sex : undefined,
    ageBand: keep && parts.facts.ageYears !== undefined ? ageBand(parts.facts.ageYears) : undefined,
    burnedIn: parts.burnedIn,
    actions: actionsByTag(parts.actions),
    privateRemoved: parts.privateRemoved,
    keptCleaned: parts.keptCleaned,
    keptMalformed: parts.keptMalformed,
  };
}
