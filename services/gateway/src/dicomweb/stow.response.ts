// The STOW-RS response data set (PS3.18 10.5.3, Annex I): RetrieveURL of the study,
// ReferencedSOPSequence for stored instances (de-identified UIDs and their WADO-RS URLs) and
// FailedSOPSequence with a FailureReason per refused part, plus our code and a fix-it message in
// ErrorComment. A part whose SOP Instance UID the project already holds with other bytes is not
// stored: it is referenced as the stored instance, with a WarningReason, so the client learns that
// its bytes were not kept. A part whose exact bytes are already stored is plain success, as
// before: what the client sent is what is stored.
import type { DeidUids, IntakeResult } from '../ingest/instance.intake.ts';

type Json = Record<string, { vr: string; Value?: unknown[] }>;

// PS3.4 Annex GG.4: 0xC000 "cannot understand" covers unreadable, truncated and non-Part-10 input.
const CANNOT_UNDERSTAND = 0xc000;
// PS3.18 I.2.1 lists no "already stored" warning and conformance statements may add codes (PS3.2
// Annex J); 45070 (0xB00E) is the code Azure's DICOM service conformance statement gives for an
// instance whose UIDs already exist, so clients that know it read the same meaning here.
export const ALREADY_STORED_WARNING = 0xb00e;
// PS3.18 names no code for a part of another study than the path's; 43265 (0xA901) is the one
// Azure's conformance statement gives for it.
export const STUDY_MISMATCH_FAILURE = 0xa901;

const ui = (v: string) => ({ vr: 'UI', Value: [v] });
const ur = (v: string) => ({ vr: 'UR', Value: [v] });

/** Builds the response and its status: 200 all stored, 202 some failed or warned, 409 none stored. */
export function stowResponse(
  results: IntakeResult[],
  instanceUrl: (uids: DeidUids) => string,
  studyUrl: (study: string) => string,
): { status: 200 | 202 | 409; body: Json } {
  const referenced: Json[] = [];
  const failed: Json[] = [];
  const studies = new Set<string>();
  let warnings = 0;
  for (const r of results) {
    if (r.ok) {
      studies.add(r.deid.study);
      const item: Json = { '00081150': ui(r.sopClassUid), '00081155': ui(r.deid.sop), '00081190': ur(instanceUrl(r.deid)) };
      if (r.duplicate === 'SAME_SOP_INSTANCE') {
        warnings += 1;
        item['00081196'] = { vr: 'US', Value: [ALREADY_STORED_WARNING] };
        item['00000902'] = { vr: 'LO', Value: ['DUPLICATE_SOP_INSTANCE: kept the instance stored first'] };
      }
      referenced.push(item);
    } else {
      failed.push({ '00081197': { vr: 'US', Value: [r.code === 'STUDY_UID_MISMATCH' ? STUDY_MISMATCH_FAILURE : CANNOT_UNDERSTAND] }, '00000902': { vr: 'LO', Value: [`${r.code}: ${r.message}`.slice(0, 64)] } });
    }
  }
  const body: Json = {};
  // RetrieveURL only when every stored instance belongs to one study (otherwise it is ambiguous).
  if (studies.size === 1) body['00081190'] = ur(studyUrl([...studies][0]!));
  if (referenced.length > 0) body['00081199'] = { vr: 'SQ', Value: referenced };
  if (failed.length > 0) body['00081198'] = { vr: 'SQ', Value: failed };
  const status = failed.length === 0 && warnings === 0 ? 200 : referenced.length === 0 ? 409 : 202;
  return { status, body };
}
