// The profile walk: every element of every data set (sequence items included) gets its Table
// E.1-1 action; PHI removed or replaced on the way is collected for the verification gate.
import type { DicomDataset, DicomElement } from '@medgrade/dicom';
import { keywordOf } from '@medgrade/dicom';
import type { Action } from './action.resolve.ts';
import { resolveAction } from './action.resolve.ts';
import { capAge } from './age.ts';
import { attributeType } from './iod-types.ts';
import { collectNeedle } from './phi.needles.ts';
import { filterPrivate } from './private.filter.ts';
import { isRepeatingGroup, profileRow } from './profile.ts';
import type { Run } from './run.types.ts';
import { mapUid } from './uid.map.ts';
import { cleanValue, dummyValue, emptyValue, surrogateFor, writeValue } from './value.replace.ts';

const PATIENT_AGE = 0x00101010;
const FREE_TEXT_VRS = new Set(['LO', 'SH', 'LT', 'ST', 'UT', 'UC', 'PN']);

/** Applies the profile to a data set and, recursively, to every item of its sequences. */
export function processDataset(ds: DicomDataset, run: Run, depth: number, cleaning: boolean): void {
  for (const kept of filterPrivate(ds, run)) recurse(kept, run, depth, cleaning);
  for (const e of [...ds.elements]) {
    if (((e.tag >>> 16) & 1) === 1) continue;
    processElement(ds, e, run, depth, cleaning);
  }
}

function recurse(e: DicomElement, run: Run, depth: number, cleaning: boolean): void {
  if (e.items === undefined) return;
  for (const item of e.items) processDataset(item, run, depth + 1, cleaning);
}

function processElement(ds: DicomDataset, e: DicomElement, run: Run, depth: number, cleaning: boolean): void {
  const group = e.tag >>> 16;
  if ((e.tag & 0xffff) === 0 || isRepeatingGroup(group)) {
    // Group lengths are retired and recomputed; curves and overlays (50xx/60xx) go whole (README).
    return remove(ds, e, run);
  }
  const row = profileRow(e.tag);
  if (row === undefined) return keepUnlisted(ds, e, run, depth, cleaning);
  const action = resolveAction(row, run.enabled, attributeType(e.tag, run.iod, depth));
  run.actions.set(e.tag, action);
  if (action !== 'K' && action !== 'C') collectRemoved(ds, e, run);
  applyAction(ds, e, action, run, depth, cleaning);
}

/** Attributes outside Table E.1-1 are kept (PS3.15 E.1.1); inside cleaned sequences free text is cleaned. */
function keepUnlisted(ds: DicomDataset, e: DicomElement, run: Run, depth: number, cleaning: boolean): void {
  if (e.items !== undefined) return recurse(e, run, depth, cleaning);
  if (cleaning && FREE_TEXT_VRS.has(e.vr)) run.toClean.push({ dataset: ds, element: e });
}

function remove(ds: DicomDataset, e: DicomElement, run: Run): void {
  run.actions.set(e.tag, 'X');
  collectRemoved(ds, e, run);
  ds.remove(e.tag);
}

/** Records the PHI of a removed or replaced element, including everything inside a sequence. */
function collectRemoved(ds: DicomDataset, e: DicomElement, run: Run): void {
  if (e.items !== undefined) {
    for (const item of e.items) for (const w of item.walk()) collectOne(w.dataset, w.element, run);
    return;
  }
  collectOne(ds, e, run);
}

function collectOne(ds: DicomDataset, e: DicomElement, run: Run): void {
  if (e.items !== undefined || e.fragments !== undefined || e.length > 65536) return;
  collectNeedle(run.needles, e.tag, e.vr, keywordOf(e.tag), ds.elementString(e));
}

function applyAction(ds: DicomDataset, e: DicomElement, action: Action, run: Run, depth: number, cleaning: boolean): void {
  switch (action) {
    case 'X':
      ds.remove(e.tag);
      return;
    case 'Z':
      return applyEmpty(ds, e, run);
    case 'D':
      return applyDummy(ds, e, run);
    case 'U':
      return applyUid(ds, e, run, depth, cleaning);
    case 'C':
      return applyClean(ds, e, run, depth);
    case 'K':
      return applyKeep(ds, e, run, depth, cleaning);
  }
}

function applyEmpty(ds: DicomDataset, e: DicomElement, run: Run): void {
  if (e.vr === 'SQ') {
    ds.setItems(e.tag, []);
    return;
  }
  const surrogate = surrogateFor(e.tag, ds.elementString(e), run);
  writeValue(ds, e, surrogate ?? emptyValue(e), run);
}

function applyDummy(ds: DicomDataset, e: DicomElement, run: Run): void {
  // A dummy sequence is one empty item: the content (SR trees, graphics) may hold any free text.
  if (e.vr === 'SQ') {
    ds.setItems(e.tag, [[]]);
    return;
  }
  const original = ds.elementString(e);
  writeValue(ds, e, surrogateFor(e.tag, original, run) ?? dummyValue(e, original, keywordOf(e.tag), run), run);
}

function applyUid(ds: DicomDataset, e: DicomElement, run: Run, depth: number, cleaning: boolean): void {
  if (e.items !== undefined) return recurse(e, run, depth, cleaning);
  if (e.vr !== 'UI' && e.vr !== 'UN') return;
  const values = ds.elementString(e).split('\\').map((u) => mapUid(run.secret, u, run.uidCache));
  writeValue(ds, e, values.length === 1 ? (values[0] as string) : values, run);
}

function applyClean(ds: DicomDataset, e: DicomElement, run: Run, depth: number): void {
  if (e.items !== undefined) return recurse(e, run, depth, true);
  if (e.fragments !== undefined) return void ds.remove(e.tag);
  const original = ds.elementString(e);
  const cleaned = cleanValue(e, original, run);
  if (cleaned === null) return;
  if (cleaned !== undefined) return writeValue(ds, e, cleaned, run);
  if (FREE_TEXT_VRS.has(e.vr) || e.vr === 'CS' || e.vr === 'UN') run.toClean.push({ dataset: ds, element: e });
  else ds.remove(e.tag);
}

function applyKeep(ds: DicomDataset, e: DicomElement, run: Run, depth: number, cleaning: boolean): void {
  if (e.items !== undefined) return recurse(e, run, depth, cleaning);
  if (e.tag !== PATIENT_AGE) return;
  const capped = capAge(ds.elementString(e));
  if (capped === undefined) ds.remove(e.tag);
  else if (capped !== ds.elementString(e)) writeValue(ds, e, capped, run);
}
