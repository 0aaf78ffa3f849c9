// Values the profile keeps as they are (attributes outside Table E.1-1 such as View Position or
// Sequence Name, and K/C attributes) are excused by the verification gate token by token, so a
// patient's name typed into one of them used to pass. Before writing, every kept text value that
// carries a token of the patient's own names or identifiers is cleaned: free text is redacted like
// C (the token becomes REMOVED), a coded value loses the values that carry it. The gate then
// reports such a token wherever it remains, unless this run wrote it (a surrogate sharing it).
import type { DicomDataset } from '@medgrade/dicom';
import { formatTag } from '@medgrade/dicom';
import { containsAny, tokens } from './phi.needles.ts';
import type { Run } from './run.types.ts';
import { writeValue } from './value.replace.ts';

const FREE_TEXT_VRS = new Set(['LO', 'SH', 'LT', 'ST', 'UT', 'UC', 'PN']);
const CODED_VRS = new Set(['CS', 'AE', 'UR']);

/** Cleans kept values that carry a patient token; returns the tags cleaned (for the report, never values). */
export function scrubKeptValues(ds: DicomDataset, run: Run): string[] {
  const patient = run.needles.patientTokens;
  if (patient.size === 0) return [];
  // Built on the first value that holds a patient token as a substring (most files have none).
  let written: Set<string> | undefined;
  const isWritten = (t: string) => (written ??= new Set(run.generated.flatMap((g) => tokens(g)))).has(t);
  const carries = (text: string) => tokens(text).some((t) => patient.has(t) && !isWritten(t));
  const pending = new Set(run.toClean.map((c) => c.element));
  const cleaned: string[] = [];
  ds.forEachElement((element, dataset) => {
    const isCreator = ((element.tag >>> 16) & 1) === 1 && (element.tag & 0xffff) >= 0x10 && (element.tag & 0xffff) <= 0xff;
    if (element.value !== undefined || element.items !== undefined || pending.has(element) || isCreator) return;
    if (!FREE_TEXT_VRS.has(element.vr) && !CODED_VRS.has(element.vr)) return;
    const text = dataset.elementString(element);
    if (!containsAny(text.toUpperCase(), patient) || !carries(text)) return;
    cleaned.push(formatTag(element.tag));
    if (FREE_TEXT_VRS.has(element.vr)) run.toClean.push({ dataset, element });
    else writeValue(dataset, element, text.split('\\').filter((v) => !carries(v)).join('\\'), run);
  });
  return [...new Set(cleaned)];
}
