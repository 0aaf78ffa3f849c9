import { describe, expect, it } from 'vitest';
import { EMPTY_SEARCH, displayDate, methodCodes, qidoQuery, value, values } from './qido.ts';

describe('QIDO search and DICOM JSON', () => {
  it('turns the form into QIDO-RS match keys, leaving empty fields out', () => {
    expect(qidoQuery(EMPTY_SEARCH)).toEqual({ limit: 50, includefield: ['StudyDescription', 'NumberOfStudyRelatedInstances'] });
    expect(qidoQuery({ ...EMPTY_SEARCH, patientId: ' MG* ', modality: 'cr', dateFrom: '2024-01-02', accession: 'A1', patientName: 'smith', fuzzy: true }, 10)).toEqual({
      limit: 10,
      includefield: ['StudyDescription', 'NumberOfStudyRelatedInstances'],
      PatientID: 'MG*',
      ModalitiesInStudy: 'CR',
      AccessionNumber: 'A1',
      PatientName: 'smith',
      fuzzymatching: 'true',
      StudyDate: '20240102-',
    });
    expect(qidoQuery({ ...EMPTY_SEARCH, dateTo: '2024-12-31', fuzzy: true }).StudyDate).toBe('-20241231');
    expect(qidoQuery({ ...EMPTY_SEARCH, fuzzy: true }).fuzzymatching).toBeUndefined();
  });

  it('reads values, person names and the de-identification method codes', () => {
    const ds = {
      '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Doe^Jane' }] },
      '00080061': { vr: 'CS', Value: ['CR', 'DX'] },
      '00080020': { vr: 'DA', Value: ['20240102'] },
      '00100020': { vr: 'LO' },
      '00120064': {
        vr: 'SQ',
        Value: [
          { '00080100': { vr: 'SH', Value: ['113100'] }, '00080102': { vr: 'SH', Value: ['DCM'] }, '00080104': { vr: 'LO', Value: ['Basic Application Confidentiality Profile'] } },
          { '00080100': { vr: 'SH', Value: ['113107'] }, '00080102': { vr: 'SH', Value: ['DCM'] }, '00080104': { vr: 'LO', Value: ['Retain Longitudinal Temporal Information Modified Dates Option'] } },
        ],
      },
    };
    expect(value(ds, 'PatientName')).toBe('Doe^Jane');
    expect(values(ds, 'ModalitiesInStudy')).toEqual(['CR', 'DX']);
    expect(value(ds, 'PatientID')).toBe('');
    expect(displayDate(value(ds, 'StudyDate'))).toBe('2024-01-02');
    expect(methodCodes(ds)).toEqual([
      { value: '113100', scheme: 'DCM', meaning: 'Basic Application Confidentiality Profile' },
      { value: '113107', scheme: 'DCM', meaning: 'Retain Longitudinal Temporal Information Modified Dates Option' },
    ]);
    expect(methodCodes({})).toEqual([]);
  });
});
