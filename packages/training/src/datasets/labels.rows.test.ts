import { describe, expect, it } from 'vitest';
import { mapUid, surrogatePatientId } from '@medgrade/deid';
import { parseLabelLines, resolveRow, type MatchableStudy, type ProjectDeid } from './labels.rows.ts';

const project: ProjectDeid = { secret: Buffer.alloc(32, 3), retainUids: false, temporal: 'modified' };
const UPLOADED = '1.2.826.0.1.3680043.8.498.1';
const study: MatchableStudy = { id: '11111111-1111-1111-1111-111111111111', studyInstanceUid: mapUid(project.secret, UPLOADED), patientSurrogateId: surrogatePatientId(project.secret, 'PAT-7') };
const studies = new Map([[study.studyInstanceUid, study]]);

function resolve(row: Record<string, unknown>, seen = new Set<string>()) {
  const [parsed] = parseLabelLines(JSON.stringify(row));
  if (!parsed || 'result' in parsed) return parsed?.result;
  return resolveRow(parsed.line, parsed.row, studies, project, seen).result;
}

describe('label rows', () => {
  it('validate finding names and 0/1 values, numbering lines as in the file', () => {
    const text = ['{"studyInstanceUid":"1.2","labels":{"cardiomegaly":2}}', '', '{"studyInstanceUid":"1.2","labels":{"Bad Name":1}}', 'not json', '{"studyInstanceUid":"1.2","labels":{}}', '{"studyInstanceUid":"1.2","labels":{"ok":1},"extra":1}'].join('\n');
    const out = parseLabelLines(text).map((l) => ('result' in l ? [l.line, l.result.status] : [l.line, 'ok']));
    expect(out).toEqual([[1, 'bad_label'], [3, 'bad_label'], [4, 'invalid_row'], [5, 'bad_label'], [6, 'invalid_row']]);
  });

  it('match the uploaded UID through the project mapping and the de-identified UID as is', () => {
    expect(resolve({ studyInstanceUid: UPLOADED, labels: { cardiomegaly: 1 } })).toMatchObject({ status: 'matched', matchedBy: 'uploaded_uid', studyId: study.id });
    expect(resolve({ studyInstanceUid: study.studyInstanceUid, labels: { cardiomegaly: 1 } })).toMatchObject({ status: 'matched', matchedBy: 'deidentified_uid' });
    expect(resolve({ studyInstanceUid: '1.2.3.999', labels: { cardiomegaly: 1 } })).toMatchObject({ status: 'unknown_study', studyId: null });
  });

  it('refuse a second row for the same study', () => {
    const seen = new Set<string>();
    expect(resolve({ studyInstanceUid: UPLOADED, labels: { a: 1 } }, seen)).toMatchObject({ status: 'matched' });
    expect(resolve({ studyInstanceUid: study.studyInstanceUid, labels: { a: 0 } }, seen)).toMatchObject({ status: 'duplicate_study' });
  });

  it("shift report dates only with the study's own patient, and refuse a report naming its patient", () => {
    const [parsed] = parseLabelLines(JSON.stringify({ studyInstanceUid: UPLOADED, labels: { a: 1 }, report: 'Compared with 2024-03-05.', patientId: 'PAT-7' }));
    const r = resolveRow(parsed!.line, (parsed as unknown as { row: never }).row, studies, project, new Set());
    expect(r.label?.report).toMatch(/^Compared with \d{4}-\d{2}-\d{2}\.$/);
    expect(r.label?.report).not.toContain('2024-03-05');
    expect(resolve({ studyInstanceUid: UPLOADED, labels: { a: 1 }, report: 'Seen 2024-03-05.', patientId: 'OTHER' })).toMatchObject({ status: 'patient_mismatch' });
    const noId = parseLabelLines(JSON.stringify({ studyInstanceUid: UPLOADED, labels: { a: 1 }, report: 'Seen 2024-03-05.' }))[0] as { line: number; row: never };
    expect(resolveRow(noId.line, noId.row, studies, project, new Set()).label?.report).toBe('Seen REMOVED.');
    const leak = resolve({ studyInstanceUid: UPLOADED, labels: { a: 1 }, report: 'Jane Doe: heart enlarged.', patientName: 'Doe^Jane' });
    expect(leak).toMatchObject({ status: 'report_rejected' });
    expect(JSON.stringify(leak)).not.toMatch(/doe|jane/i);
  });
});
