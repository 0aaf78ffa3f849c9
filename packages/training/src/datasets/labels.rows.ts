// POST /v1/datasets/{id}/labels, the pure part: JSON Lines → one result per line. A row is
// matched to a de-identified study by the UID the client uploaded (mapped with the project's own
// deterministic UID mapping, so no original UID is ever stored or looked up) or by the
// de-identified UID itself; its report is de-identified with packages/deid before anything is
// kept. Messages never repeat a value from the row: it may be PHI.
import { LabelRowSchema, type LabelRow, type LabelRowResult } from '@medgrade/contracts';
import { deidentifyReport, mapUid, patientKey, patientShiftDays, surrogatePatientId, type ReportDatePolicy } from '@medgrade/deid';

/** A parsed line: the row when it is well formed, otherwise its (final) result. */
export type ParsedLine = { line: number; row: LabelRow } | { line: number; result: LabelRowResult };

function refused(line: number, status: LabelRowResult['status'], message: string, problems?: LabelRowResult['problems']): LabelRowResult {
  return { line, status, studyId: null, matchedBy: null, message, ...(problems ? { problems } : {}) };
}

/** Parses JSON Lines (blank lines skipped, numbered as in the file). */
export function parseLabelLines(text: string): ParsedLine[] {
  const out: ParsedLine[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      out.push({ line, result: refused(line, 'invalid_row', 'Not a JSON object: each line must be one JSON object') });
      return;
    }
    const parsed = LabelRowSchema.safeParse(json);
    if (parsed.success) return void out.push({ line, row: parsed.data });
    const problems = parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
    const badLabel = problems.some((p) => p.path === 'labels' || p.path.startsWith('labels.'));
    out.push({ line, result: refused(line, badLabel ? 'bad_label' : 'invalid_row', badLabel ? 'Labels must map finding names (lowercase letters, digits, underscores) to 0 or 1' : 'The row does not match the label row format', problems) });
  });
  return out;
}

/** A de-identified study a row can match. */
export interface MatchableStudy {
  id: string;
  studyInstanceUid: string;
  patientSurrogateId: string | null;
}

/** What resolving rows needs from the project: its secret (in memory for this request only) and profile. */
export interface ProjectDeid {
  secret: Buffer;
  retainUids: boolean;
  temporal: 'off' | 'full' | 'modified';
}

/** The UIDs a row may name, by how they would match: the mapped uploaded UID first. */
export function candidateUids(row: LabelRow, project: ProjectDeid): { uid: string; by: 'uploaded_uid' | 'deidentified_uid' }[] {
  const mapped = project.retainUids ? row.studyInstanceUid : mapUid(project.secret, row.studyInstanceUid);
  return mapped === row.studyInstanceUid ? [{ uid: mapped, by: 'deidentified_uid' }] : [{ uid: mapped, by: 'uploaded_uid' }, { uid: row.studyInstanceUid, by: 'deidentified_uid' }];
}

/** A row ready to store. */
export interface ResolvedLabel {
  studyId: string;
  labels: Record<string, 0 | 1>;
  report: string | null;
  site: string | null;
}

type Resolved = { result: LabelRowResult; label?: ResolvedLabel };

function datePolicy(row: LabelRow, study: MatchableStudy, project: ProjectDeid): ReportDatePolicy | 'mismatch' {
  if (project.temporal === 'full') return { mode: 'keep' };
  if (project.temporal === 'off' || !row.patientId) return { mode: 'redact' };
  // The shift is keyed by the original Patient ID; the study's surrogate proves the row names its patient.
  if (study.patientSurrogateId !== null && surrogatePatientId(project.secret, row.patientId) !== study.patientSurrogateId) return 'mismatch';
  return { mode: 'shift', days: patientShiftDays(project.secret, patientKey({ patientId: row.patientId, issuerOfPatientId: row.issuerOfPatientId })) };
}

/** Matches one row to its study and de-identifies its report. */
export function resolveRow(line: number, row: LabelRow, studies: ReadonlyMap<string, MatchableStudy>, project: ProjectDeid, seen: Set<string>): Resolved {
  const hit = candidateUids(row, project).map((c) => ({ ...c, study: studies.get(c.uid) })).find((c) => c.study !== undefined);
  if (!hit?.study) return { result: refused(line, 'unknown_study', 'No de-identified study of the project has this StudyInstanceUID (uploaded or de-identified)') };
  const base = { line, studyId: hit.study.id, matchedBy: hit.by };
  if (seen.has(hit.study.id)) return { result: { ...base, status: 'duplicate_study', message: 'An earlier line of this request labels the same study' } };
  seen.add(hit.study.id);
  let report: string | null = null;
  if (row.report !== undefined && row.report.trim() !== '') {
    const policy = datePolicy(row, hit.study, project);
    if (policy === 'mismatch') return { result: { ...base, status: 'patient_mismatch', message: 'patientId does not belong to the matched study' } };
    const deid = deidentifyReport(row.report, policy, row);
    if (!deid.ok) {
      const why = deid.reason === 'identifier' ? `still contains the row's own ${deid.kind === 'identifier' ? 'identifier' : 'patient name or identifier'}` : `still contains ${deid.kind === 'email' ? 'an e-mail address' : deid.kind === 'phone' ? 'a telephone number' : 'a long digit run'}`;
      return { result: { ...base, status: 'report_rejected', message: `The report ${why} after de-identification: remove it from the report text` } };
    }
    report = deid.text;
  }
  return { result: { ...base, status: 'matched' }, label: { studyId: hit.study.id, labels: row.labels, report, site: row.site ?? null } };
}
