import { describe, expect, it } from 'vitest';
import { patientKey, patientShiftDays } from './date.shift.ts';
import { findTextDates } from './report.dates.ts';
import { deidentifyReport } from './report.text.ts';

const SHIFT = { mode: 'shift', days: -400 } as const;

function clean(text: string, ids = {}): string {
  const r = deidentifyReport(text, SHIFT, ids);
  if (!r.ok) throw new Error(`refused: ${r.reason}/${r.kind}`);
  return r.text;
}

describe('report dates', () => {
  it('are shifted by the patient shift in the form they were written', () => {
    expect(clean('Compared with 2024-03-05.')).toBe('Compared with 2023-01-30.');
    expect(clean('Compared with 20240305.')).toBe('Compared with 20230130.');
    expect(clean('Seen on 25/03/2024 and 03/25/2024.')).toBe('Seen on 19/02/2023 and 02/19/2023.');
    expect(clean('Prior study of 5 March 2024 and March 7, 2024, also Mar 2024.')).toBe('Prior study of 30 January 2023 and February 1, 2023, also Feb 2023.');
  });

  it('keep intervals: two dates of one patient stay as far apart after the shift', () => {
    const r = clean('2024-02-28 then 2024-03-01');
    const [a, b] = r.split(' then ').map((d) => Date.parse(d));
    expect((b! - a!) / 86_400_000).toBe(2);
  });

  it('are redacted when day and month are ambiguous, the year has two digits, or it is a birth date', () => {
    expect(clean('Study 03/04/2024, follow-up 3/4/24.')).toBe('Study REMOVED, follow-up REMOVED.');
    expect(clean('DOB: 1960-05-12, seen 2024-03-05')).toBe('DOB: REMOVED, seen 2023-01-30');
  });

  it('follow the project policy: kept under full temporal retention, redacted when dates are not retained', () => {
    expect(deidentifyReport('Seen 2024-03-05.', { mode: 'keep' })).toMatchObject({ ok: true, text: 'Seen 2024-03-05.' });
    expect(deidentifyReport('Seen 2024-03-05.', { mode: 'redact' })).toMatchObject({ ok: true, text: 'Seen REMOVED.', datesRedacted: 1 });
  });

  it('are found without overlaps, invalid calendar dates included (then redacted)', () => {
    expect(findTextDates('2024-02-30 and 2024-02-28').map((d) => d.text)).toEqual(['2024-02-30', '2024-02-28']);
    expect(clean('2024-02-30')).toBe('REMOVED');
  });

  it('use the same per-patient shift as the DICOM engine', () => {
    const secret = Buffer.alloc(32, 7);
    expect(patientKey({ patientId: ' PAT-1 ', issuerOfPatientId: 'HOSP' })).toBe('id:PAT-1^HOSP');
    expect(patientShiftDays(secret, patientKey({ patientId: 'PAT-1' }))).toBe(patientShiftDays(secret, 'id:PAT-1^'));
  });
});

describe('report identifiers', () => {
  it('replace e-mail addresses, telephone numbers, labelled identifiers and long digit runs', () => {
    expect(clean('Call +1 (555) 123-4567 or jane.doe@example.org.')).toBe('Call REMOVED or REMOVED.');
    expect(clean('MRN: AB12. Accession #X77Q, patient ID P-9.')).toBe('MRN: REMOVED. Accession #REMOVED, patient ID REMOVED.');
    expect(clean('Order 12345678 for bed 12.')).toBe('Order REMOVED for bed 12.');
  });

  it('replace names after honorifics and role labels, keeping clinical words', () => {
    expect(clean('Discussed with Dr. John Smith and Mrs O\'Brien.')).toBe('Discussed with Dr. REMOVED and Mrs REMOVED.');
    expect(clean('Patient: Jane Doe. Signed by: J. R. Miller')).toBe('Patient: REMOVED. Signed by: REMOVED');
    expect(clean('PATIENT: has a right pleural effusion. Heart is enlarged.')).toBe('PATIENT: has a right pleural effusion. Heart is enlarged.');
  });

  it('leave measurements, vertebrae and short codes alone', () => {
    const text = 'Nodule 12 mm at T12, 3.5 x 4.2 cm; opacity in the right lower zone.';
    expect(clean(text)).toBe(text);
  });
});

describe('report gate', () => {
  it("refuses a report that still names the row's own patient, in any order", () => {
    expect(deidentifyReport('Jane Doe has cardiomegaly.', SHIFT, { patientName: 'Doe^Jane' })).toEqual({ ok: false, reason: 'identifier', kind: 'phrase' });
    expect(deidentifyReport('Doe: cardiomegaly.', SHIFT, { patientName: 'DOE^JANE' })).toEqual({ ok: false, reason: 'identifier', kind: 'patient' });
  });

  it("refuses the row's own short identifiers the generic cleaner does not catch", () => {
    expect(deidentifyReport('Case AB-12: heart normal.', SHIFT, { patientId: 'AB-12' })).toMatchObject({ ok: false, reason: 'identifier' });
    expect(deidentifyReport('Ref Q77X heart normal.', SHIFT, { accessionNumber: 'Q77X' })).toMatchObject({ ok: false, reason: 'identifier', kind: 'identifier' });
  });

  it('accepts the report once the identifiers are replaced, whatever the row carried', () => {
    const r = deidentifyReport('MRN: AB-12. Heart normal. ID 48213377.', SHIFT, { patientId: 'AB-12', accessionNumber: '48213377', patientName: 'Doe^Jane' });
    expect(r).toMatchObject({ ok: true, text: 'MRN: REMOVED. Heart normal. ID REMOVED.' });
  });
});
