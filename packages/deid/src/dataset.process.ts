// The profile walk: every element of every data set (sequence items included) gets its Table
// E.1-1 action; PHI removed or replaced on the way is collected for the verification gate.
import type { DicomDataset, DicomElement } from '@medgrade/dicom';
import { keywordOf } from '@medgrade/dicom';
import type { Action } from './action.resolve.ts';
import { capAge } from './age.ts';
import { attributeType } from './iod-types.ts';
import { collectNeedle } from './phi.needles.ts';
import { filterPrivate } from './private.filter.ts';
import { isRepeatingGroup, profileRow } from './profile.ts';
import type { Run } from './run.types.ts';
import { mapUid } from './uid.map.ts';
import { hasGrammar, isWellFormed } from './well-formed.ts';
import { cleanValue, dummyValue, emptyValue, surrogateFor, textVr, writeValue } from './value.replace.ts';

const PATIENT_AGE = 0x00101010;
const FREE_TEXT_VRS = new Set(['LO', 'SH', 'LT', 'ST', 'UT', 'UC', 'PN']);
// Coded entries (PS3.3 Table 8.8-1) inside a dummy sequence stay (cleaned): they are vocabulary.
const CODE_ATTRIBUTES = new Set([0x00080100, 0x00080102, 0x00080103, 0x00080104, 0x00080119, 0x00080120]);
const PERSON_IDENTIFICATION_CODE_SEQUENCE = 0x00401101;
// Instance UIDs that Table E.1-1 (2024b) does not list, e.g. Multi-frame Source SOP Instance UID,
// SOP Instance UID of Concatenation Source, Target/Volume/Table Frame of Reference UID: they would
// link back to the identified originals, so they are mapped like the listed ones (beyond the standard).
const UNLISTED_INSTANCE_UID = /(InstanceUID|InstanceUIDOfConcatenationSource|FrameOfReferenceUID|EventUID|AssertionUID|FiducialUID|InputSetUID|RecordUID)$/;

/** True for UI attributes that hold instance UIDs: listed in Table E.1-1 or matched above. */
function isInstanceUid(tag: number): boolean {
  return profileRow(tag) !== undefined || UNLISTED_INSTANCE_UID.test(keywordOf(tag) ?? '');
}

/**
 * How attributes outside Table E.1-1 are treated inside a sequence: kept, cleaned (C on a sequence)
 * or replaced by dummies (D on a sequence: its structure stays, every narrative value goes).
 */
export type Mode = 'keep' | 'clean' | 'dummy' | 'dummy-codes';

/** Applies the profile to a data set and, recursively, to every item of its sequences. */
export function processDataset(ds: DicomDataset, run: Run, depth: number, mode: Mode): void {
  for (const kept of filterPrivate(ds, run)) recurse(kept, run, depth, mode);
  for (const e of [...ds.elements]) {
    if (((e.tag >>> 16) & 1) === 1) continue;
    processElement(ds, e, run, depth, mode);
  }
}

function recurse(e: DicomElement, run: Run, depth: number, mode: Mode): void {
  if (e.items === undefined) return;
  for (const item of e.items) processDataset(item, run, depth + 1, mode);
}

function processElement(ds: DicomDataset, e: DicomElement, run: Run, depth: number, mode: Mode): void {
  const group = e.tag >>> 16;
  if ((e.tag & 0xffff) === 0 || isRepeatingGroup(group)) {
    // Group lengths are retired and recomputed; curves and overlays (50xx/60xx) go whole (README).
    return remove(ds, e, run);
  }
  const row = profileRow(e.tag);
  if (row === undefined) return keepUnlisted(ds, e, run, depth, mode);
  const action = run.resolve(row, attributeType(e.tag, run.iod, depth));
  run.actions.set(e.tag, action);
  if (action !== 'K' && action !== 'C') collectRemoved(ds, e, run);
  applyAction(ds, e, action, run, depth, mode);
}

/** Attributes outside Table E.1-1 are kept (PS3.15 E.1.1), or cleaned / replaced inside C / D sequences. */
function keepUnlisted(ds: DicomDataset, e: DicomElement, run: Run, depth: number, mode: Mode): void {
  if (e.items !== undefined) return recurse(e, run, depth, mode);
  if (e.vr === 'UI' && !run.options.retainUIDs && isInstanceUid(e.tag)) {
    run.actions.set(e.tag, 'U');
    collectOne(ds, e, run);
    return applyUid(ds, e, run, depth, mode);
  }
  if (mode === 'keep' || !FREE_TEXT_VRS.has(e.vr)) return;
  if (mode === 'dummy-codes' || (mode === 'dummy' && !CODE_ATTRIBUTES.has(e.tag))) {
    collectOne(ds, e, run);
    return applyDummy(ds, e, run);
  }
  run.toClean.push({ dataset: ds, element: e });
}

function remove(ds: DicomDataset, e: DicomElement, run: Run): void {
  run.actions.set(e.tag, 'X');
  collectRemoved(ds, e, run);
  ds.remove(e.tag);
}

/** Records the PHI of a removed or replaced element, including everything inside a sequence. */
function collectRemoved(ds: DicomDataset, e: DicomElement, run: Run): void {
  if (e.items !== undefined) {
    for (const item of e.items) item.forEachElement((element, dataset) => collectOne(dataset, element, run));
    return;
  }
  collectOne(ds, e, run);
}

function collectOne(ds: DicomDataset, e: DicomElement, run: Run): void {
  if (e.items !== undefined || e.fragments !== undefined || e.length > 65536) return;
  // Only instance UIDs (those Table E.1-1 lists) are PHI; class and coding scheme UIDs inside a
  // removed sequence are vocabulary that legitimately appears elsewhere.
  if (e.vr === 'UI' && !isInstanceUid(e.tag)) return;
  collectNeedle(run.needles, e.tag, e.vr, keywordOf(e.tag), ds.elementString(e));
}

function applyAction(ds: DicomDataset, e: DicomElement, action: Action, run: Run, depth: number, mode: Mode): void {
  switch (action) {
    case 'X':
      ds.remove(e.tag);
      return;
    case 'Z':
      return applyEmpty(ds, e, run);
    case 'D':
      return e.items === undefined ? applyDummy(ds, e, run) : applyDummySequence(e, run, depth);
    case 'U':
      return applyUid(ds, e, run, depth, mode);
    case 'C':
      return applyClean(ds, e, run, depth);
    case 'K':
      return applyKeep(ds, e, run, depth, mode);
  }
}

/** A sequence, also when it arrived as UN (parsed into items or not). */
function isSequence(e: DicomElement): boolean {
  return e.items !== undefined || e.vr === 'SQ' || textVr(e) === 'SQ';
}

function applyEmpty(ds: DicomDataset, e: DicomElement, run: Run): void {
  if (isSequence(e)) {
    ds.setItems(e.tag, []);
    return;
  }
  const surrogate = surrogateFor(e.tag, ds.elementString(e), run);
  writeValue(ds, e, surrogate ?? emptyValue(e), run);
}

/**
 * D on a sequence (Content Sequence, Graphic Annotation Sequence, Verifying Observer Sequence...):
 * the items stay so the IOD stays conformant, the profile applies inside, and every narrative value
 * outside the table becomes a dummy. Person identification codes are identity: all of them go too.
 */
function applyDummySequence(e: DicomElement, run: Run, depth: number): void {
  recurse(e, run, depth, e.tag === PERSON_IDENTIFICATION_CODE_SEQUENCE ? 'dummy-codes' : 'dummy');
}

function applyDummy(ds: DicomDataset, e: DicomElement, run: Run): void {
  if (isSequence(e)) {
    ds.setItems(e.tag, [[]]); // a sequence whose items could not be read: one empty item as the dummy
    return;
  }
  const original = ds.elementString(e);
  writeValue(ds, e, surrogateFor(e.tag, original, run) ?? dummyValue(e, original, keywordOf(e.tag), run), run);
}

function applyUid(ds: DicomDataset, e: DicomElement, run: Run, depth: number, mode: Mode): void {
  if (e.items !== undefined) return recurse(e, run, depth, mode);
  if (e.vr !== 'UI' && e.vr !== 'UN') return;
  const values = ds.elementString(e).split('\\').map((u) => mapUid(run.secret, u, run.uidCache));
  writeValue(ds, e, values.length === 1 ? (values[0] as string) : values, run);
}

function applyClean(ds: DicomDataset, e: DicomElement, run: Run, depth: number): void {
  if (e.items !== undefined) return recurse(e, run, depth, 'clean');
  if (e.fragments !== undefined) return void ds.remove(e.tag);
  const original = ds.elementString(e);
  const cleaned = cleanValue(e, original, run);
  if (cleaned === null) return;
  if (cleaned !== undefined) return writeValue(ds, e, cleaned, run);
  if (FREE_TEXT_VRS.has(e.vr) || e.vr === 'CS' || e.vr === 'UN') run.toClean.push({ dataset: ds, element: e });
  else ds.remove(e.tag);
}

function applyKeep(ds: DicomDataset, e: DicomElement, run: Run, depth: number, mode: Mode): void {
  if (e.items !== undefined) return recurse(e, run, depth, mode);
  // Kept values (mostly by an option) stay only when well-formed for their attribute (well-formed.ts).
  const vr = textVr(e);
  if (hasGrammar(e.tag, vr) && !isWellFormed(e.tag, vr, ds.elementString(e))) {
    run.malformed.push(e.tag);
    return writeValue(ds, e, emptyValue(e), run);
  }
  if (e.tag !== PATIENT_AGE) return;
  const capped = capAge(ds.elementString(e));
  if (capped === undefined) ds.remove(e.tag);
  else if (capped !== ds.elementString(e)) writeValue(ds, e, capped, run);
}
