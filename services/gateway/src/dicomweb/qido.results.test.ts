import { describe, expect, it } from 'vitest';
import type { Instance, Series, Study } from '@medgrade/db';
import { parseQido, type QidoKey } from './qido.query.ts';
import { instanceJson, seriesJson, studyJson } from './qido.results.ts';

const now = new Date('2024-01-01T00:00:00Z');
const study: Study = {
  id: '00000000-0000-4000-8000-000000000001', orgId: '00000000-0000-4000-8000-000000000002', projectId: '00000000-0000-4000-8000-000000000003',
  studyInstanceUid: '2.25.1', patientSurrogateId: 'MG48213', patientName: 'Roe^Max=ロー^マックス', patientSex: 'M', patientAgeYears: 40,
  patientAgeBand: '40-49', studyDate: new Date('2019-03-02'), modalities: ['CT', 'MR'], seriesCount: 2, instanceCount: 7, createdAt: now, updatedAt: now,
  studyTime: '102030.5', accessionNumber: 'A123456789', referringPhysicianName: null, patientBirthDate: null, dicomStudyId: null, studyDescription: 'Chest CT',
};
const series: Series = {
  id: '00000000-0000-4000-8000-000000000004', orgId: study.orgId, projectId: study.projectId, studyId: study.id, seriesInstanceUid: '2.25.2',
  modality: 'CT', bodyPart: 'CHEST', manufacturer: 'GE', seriesDate: new Date('2019-03-01'), instanceCount: 4, createdAt: now, updatedAt: now,
  seriesNumber: 3, seriesDescription: null, seriesTime: '1031', performedProcedureStepStartDate: new Date('2019-03-01'), performedProcedureStepStartTime: null,
};
const instance: Instance = {
  id: '00000000-0000-4000-8000-000000000005', orgId: study.orgId, projectId: study.projectId, uploadId: null, seriesId: series.id, status: 'READY',
  errorCode: null, quarantineKey: null, inputSha256: 'a'.repeat(64), sopInstanceUid: '2.25.3', sopClassUid: '1.2.840.10008.5.1.4.1.1.2',
  studyInstanceUid: '2.25.1', seriesInstanceUid: '2.25.2', objectKey: 'deid/x.dcm', byteSize: 10, sha256: 'b'.repeat(64), burnedInFlag: false, retryCount: 0, burnedInApprovedBy: null,
  rows: 512, columns: 512, frames: 1, bitsAllocated: 16, instanceNumber: 12, createdAt: now, updatedAt: now,
};
const SERIES_KEYS: QidoKey[] = [{ keyword: 'SeriesDate', tag: '00080021', kind: 'date', column: 'seriesDate' }];
const wanted = (query: Record<string, string>, fields: string[] = []) => ({ fields: new Set(fields), search: parseQido(query, SERIES_KEYS) });
const none = wanted({});

describe('QIDO result data sets', () => {
  it('study: the Type R patient attributes always, PatientName as PN JSON with its representation groups', () => {
    const json = studyJson(study, 'http://gw/dicomweb/studies/2.25.1', none);
    expect(json['00100010']).toEqual({ vr: 'PN', Value: [{ Alphabetic: 'Roe^Max', Ideographic: 'ロー^マックス' }] });
    expect(json['00100020']).toEqual({ vr: 'LO', Value: ['MG48213'] });
    expect(json['00100040']).toEqual({ vr: 'CS', Value: ['M'] });
    expect(json['00080020']).toEqual({ vr: 'DA', Value: ['20190302'] });
    expect(json['00080061']).toEqual({ vr: 'CS', Value: ['CT', 'MR'] });
  });

  it('study: a profile that emptied the name and ID leaves them zero-length, not absent', () => {
    const json = studyJson({ ...study, patientName: null, patientSurrogateId: null, patientSex: null }, 'u', none);
    expect(json['00100010']).toEqual({ vr: 'PN' });
    expect(json['00100020']).toEqual({ vr: 'LO' });
    expect(json['00100040']).toEqual({ vr: 'CS' });
  });

  it('study: every Type R attribute of Table 10.6.3-3, zero-length when the profile emptied it, and ONLINE availability', () => {
    const json = studyJson(study, 'u', none);
    expect(json['00080030']).toEqual({ vr: 'TM', Value: ['102030.5'] });
    expect(json['00080050']).toEqual({ vr: 'SH', Value: ['A123456789'] });
    expect(json['00080056']).toEqual({ vr: 'CS', Value: ['ONLINE'] });
    expect(json['00080090']).toEqual({ vr: 'PN' });
    expect(json['00100030']).toEqual({ vr: 'DA' });
    expect(json['00200010']).toEqual({ vr: 'SH' });
    expect(json['00081030']).toEqual({ vr: 'LO', Value: ['Chest CT'] });
    const referred = studyJson({ ...study, referringPhysicianName: 'Roe^Ann', patientBirthDate: new Date('1970-01-02'), dicomStudyId: 'S1' }, 'u', none);
    expect([referred['00080090'], referred['00100030'], referred['00200010']]).toEqual([
      { vr: 'PN', Value: [{ Alphabetic: 'Roe^Ann' }] }, { vr: 'DA', Value: ['19700102'] }, { vr: 'SH', Value: ['S1'] },
    ]);
    // StudyDescription is optional: present when known, zero-length only when asked for.
    expect(studyJson({ ...study, studyDescription: null }, 'u', none)).not.toHaveProperty('00081030');
    expect(studyJson({ ...study, studyDescription: null }, 'u', wanted({}, ['00081030']))['00081030']).toEqual({ vr: 'LO' });
  });

  it('series: SeriesNumber and the Performed Procedure Step start always, SeriesDescription when known or asked for, SeriesTime when asked for', () => {
    const json = seriesJson(series, '2.25.1', 'u', none);
    expect(json['00200011']).toEqual({ vr: 'IS', Value: [3] });
    expect(json['00400244']).toEqual({ vr: 'DA', Value: ['20190301'] });
    expect(json['00400245']).toEqual({ vr: 'TM' });
    expect(json).not.toHaveProperty('0008103E');
    expect(json).not.toHaveProperty('00080031');
    expect(seriesJson({ ...series, seriesDescription: 'AX T1' }, '2.25.1', 'u', none)['0008103E']).toEqual({ vr: 'LO', Value: ['AX T1'] });
    const all = seriesJson(series, '2.25.1', 'u', wanted({}, ['all']));
    expect([all['0008103E'], all['00080031']]).toEqual([{ vr: 'LO' }, { vr: 'TM', Value: ['1031'] }]);
  });

  it('instance: InstanceNumber, BitsAllocated, ONLINE and NumberOfFrames when known', () => {
    const json = instanceJson(instance, '2.25.1', '2.25.2', 'u', none);
    expect(json['00200013']).toEqual({ vr: 'IS', Value: [12] });
    expect(json['00280100']).toEqual({ vr: 'US', Value: [16] });
    expect(json['00280008']).toEqual({ vr: 'IS', Value: [1] });
    expect(json['00080056']).toEqual({ vr: 'CS', Value: ['ONLINE'] });
    const bare = instanceJson({ ...instance, instanceNumber: null, frames: null }, '2.25.1', '2.25.2', 'u', none);
    expect(bare['00200013']).toEqual({ vr: 'IS' });
    expect(bare).not.toHaveProperty('00280008');
    expect(instanceJson({ ...instance, frames: null }, '2.25.1', '2.25.2', 'u', wanted({}, ['NumberOfFrames']))['00280008']).toEqual({ vr: 'IS' });
  });

  it('series: SeriesDate when matched on (a range or universal matching) or included, not otherwise', () => {
    const date = { vr: 'DA', Value: ['20190301'] };
    expect(seriesJson(series, '2.25.1', 'u', wanted({ SeriesDate: '20190101-20191231' }))['00080021']).toEqual(date);
    expect(seriesJson(series, '2.25.1', 'u', wanted({ '00080021': '' }))['00080021']).toEqual(date);
    expect(seriesJson(series, '2.25.1', 'u', wanted({}, ['00080021']))['00080021']).toEqual(date);
    expect(seriesJson({ ...series, seriesDate: null }, '2.25.1', 'u', wanted({}, ['all']))['00080021']).toEqual({ vr: 'DA' });
    expect(seriesJson(series, '2.25.1', 'u', wanted({}))).not.toHaveProperty('00080021');
  });
});
