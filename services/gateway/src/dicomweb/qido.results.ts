// QIDO-RS result data sets (DICOM JSON, PS3.18 F.2) built from index rows. Each level returns the
// attributes PS3.18 10.6.3.3 requires (Tables 10.6.3-3/-4/-5; zero-length when a row has no value,
// as Type R allows: the profile emptied or removed it), the conditional ones when known
// (descriptions, NumberOfFrames), plus optional ones the query matched on or named in includefield.
// Every value is what the de-identified output carries (the deid-worker indexes the output).
import type { Instance, Series, Study } from '@medgrade/db';
import { personName } from './dicom-json.ts';
import type { QidoSearch } from './qido.query.ts';

type Attr = { vr: string; Value?: unknown[] };
/** One QIDO result data set. */
export type QidoJson = Record<string, Attr>;

function attr(vr: string, value: unknown): Attr {
  if (value === null || value === undefined || (Array.isArray(value) && value.length === 0)) return { vr };
  return { vr, Value: Array.isArray(value) ? value : [value] };
}

const dicomDate = (d: Date | null) => (d ? d.toISOString().slice(0, 10).replace(/-/g, '') : null);
const pn = (value: string | null) => (value ? personName(value) : null);
// Everything served here is stored online: retrieval answers at once.
const ONLINE = attr('CS', 'ONLINE');

/** What a result includes beyond the required attributes: includefield, and the query's own keys. */
export interface Wanted {
  fields: Set<string>;
  search: QidoSearch;
}

// PS3.18 10.6.3.3: optional attributes come back when named in includefield (or "all") and when
// passed as matching keys, universal matching (an empty value) included.
function wants(w: Wanted, keyword: string, tag: string): boolean {
  return w.fields.has('all') || w.fields.has(keyword) || w.fields.has(tag) || w.search.requested.has(keyword);
}

/** An optional attribute: present when wanted (zero-length if the row has no value). */
function optional(w: Wanted, keyword: string, tag: string, a: Attr): QidoJson {
  return wants(w, keyword, tag) ? { [tag]: a } : {};
}

/** A conditional "if known" attribute: present when the row has a value, or when wanted. */
function ifKnown(w: Wanted, keyword: string, tag: string, a: Attr): QidoJson {
  return a.Value !== undefined || wants(w, keyword, tag) ? { [tag]: a } : {};
}

/** A study result (Table 10.6.3-3): its Type R attributes always; StudyDescription when known or wanted. */
export function studyJson(s: Study, retrieveUrl: string, w: Wanted): QidoJson {
  return {
    '00080020': attr('DA', dicomDate(s.studyDate)),
    '00080030': attr('TM', s.studyTime),
    '00080050': attr('SH', s.accessionNumber),
    '00080056': ONLINE,
    '00080061': attr('CS', s.modalities),
    '00080090': attr('PN', pn(s.referringPhysicianName)),
    ...ifKnown(w, 'StudyDescription', '00081030', attr('LO', s.studyDescription)),
    '00100010': attr('PN', pn(s.patientName)),
    '00100020': attr('LO', s.patientSurrogateId),
    '00100030': attr('DA', dicomDate(s.patientBirthDate)),
    '00100040': attr('CS', s.patientSex),
    '0020000D': attr('UI', s.studyInstanceUid),
    '00200010': attr('SH', s.dicomStudyId),
    '00201206': attr('IS', s.seriesCount),
    '00201208': attr('IS', s.instanceCount),
    '00081190': attr('UR', retrieveUrl),
  };
}

/**
 * A series result (Table 10.6.3-4): Modality, SeriesNumber, the counts and the Performed Procedure
 * Step start always; SeriesDescription when known or wanted; the rest when wanted. The Request
 * Attributes Sequence is not indexed: the profile removes both its matching keys (X).
 */
export function seriesJson(s: Series, study: string, retrieveUrl: string, w: Wanted): QidoJson {
  return {
    '00080060': attr('CS', s.modality),
    ...ifKnown(w, 'SeriesDescription', '0008103E', attr('LO', s.seriesDescription)),
    '0020000D': attr('UI', study),
    '0020000E': attr('UI', s.seriesInstanceUid),
    '00200011': attr('IS', s.seriesNumber),
    '00201209': attr('IS', s.instanceCount),
    '00400244': attr('DA', dicomDate(s.performedProcedureStepStartDate)),
    '00400245': attr('TM', s.performedProcedureStepStartTime),
    ...optional(w, 'BodyPartExamined', '00180015', attr('CS', s.bodyPart)),
    ...optional(w, 'Manufacturer', '00080070', attr('LO', s.manufacturer)),
    ...optional(w, 'SeriesDate', '00080021', attr('DA', dicomDate(s.seriesDate))),
    ...optional(w, 'SeriesTime', '00080031', attr('TM', s.seriesTime)),
    '00081190': attr('UR', retrieveUrl),
  };
}

/** An instance result (Table 10.6.3-5): NumberOfFrames when the object has pixel data, or when wanted. */
export function instanceJson(i: Instance, study: string, series: string, retrieveUrl: string, w: Wanted): QidoJson {
  return {
    '00080016': attr('UI', i.sopClassUid),
    '00080018': attr('UI', i.sopInstanceUid),
    '00080056': ONLINE,
    '0020000D': attr('UI', study),
    '0020000E': attr('UI', series),
    '00200013': attr('IS', i.instanceNumber),
    '00280010': attr('US', i.rows),
    '00280011': attr('US', i.columns),
    '00280100': attr('US', i.bitsAllocated),
    ...ifKnown(w, 'NumberOfFrames', '00280008', attr('IS', i.frames)),
    '00081190': attr('UR', retrieveUrl),
  };
}
