// QIDO-RS result data sets (DICOM JSON, PS3.18 F.2) built from index rows. Each level returns the
// attributes PS3.18 10.6.3.3 requires that the index holds (zero-length when a row has no value,
// as Type R allows), plus optional ones the query matched on or named in includefield.
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

/** A study result (Table 10.6.3-3): PatientName, PatientID and PatientSex are Type R, so always present. */
export function studyJson(s: Study, retrieveUrl: string): QidoJson {
  return {
    '00080020': attr('DA', dicomDate(s.studyDate)),
    '00080061': attr('CS', s.modalities),
    '00100010': attr('PN', s.patientName ? personName(s.patientName) : null),
    '00100020': attr('LO', s.patientSurrogateId),
    '00100040': attr('CS', s.patientSex),
    '0020000D': attr('UI', s.studyInstanceUid),
    '00201206': attr('IS', s.seriesCount),
    '00201208': attr('IS', s.instanceCount),
    '00081190': attr('UR', retrieveUrl),
  };
}

/** A series result (Table 10.6.3-4, as far as the index holds it). */
export function seriesJson(s: Series, study: string, retrieveUrl: string, w: Wanted): QidoJson {
  return {
    '00080060': attr('CS', s.modality),
    '0020000D': attr('UI', study),
    '0020000E': attr('UI', s.seriesInstanceUid),
    '00201209': attr('IS', s.instanceCount),
    ...(wants(w, 'BodyPartExamined', '00180015') ? { '00180015': attr('CS', s.bodyPart) } : {}),
    ...(wants(w, 'Manufacturer', '00080070') ? { '00080070': attr('LO', s.manufacturer) } : {}),
    ...(wants(w, 'SeriesDate', '00080021') ? { '00080021': attr('DA', dicomDate(s.seriesDate)) } : {}),
    '00081190': attr('UR', retrieveUrl),
  };
}

/** An instance result (Table 10.6.3-5, as far as the index holds it). */
export function instanceJson(i: Instance, study: string, series: string, retrieveUrl: string, w: Wanted): QidoJson {
  return {
    '00080016': attr('UI', i.sopClassUid),
    '00080018': attr('UI', i.sopInstanceUid),
    '0020000D': attr('UI', study),
    '0020000E': attr('UI', series),
    '00280010': attr('US', i.rows),
    '00280011': attr('US', i.columns),
    ...(wants(w, 'NumberOfFrames', '00280008') ? { '00280008': attr('IS', i.frames) } : {}),
    '00081190': attr('UR', retrieveUrl),
  };
}
