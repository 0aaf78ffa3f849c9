import { describe, expect, it } from 'vitest';
import type { Series, Study } from '@medgrade/db';
import { parseQido, type QidoKey } from './qido.query.ts';
import { seriesJson, studyJson } from './qido.results.ts';

const now = new Date('2024-01-01T00:00:00Z');
const study: Study = {
  id: '00000000-0000-4000-8000-000000000001', orgId: '00000000-0000-4000-8000-000000000002', projectId: '00000000-0000-4000-8000-000000000003',
  studyInstanceUid: '2.25.1', patientSurrogateId: 'MG48213', patientName: 'Roe^Max=ロー^マックス', patientSex: 'M', patientAgeYears: 40,
  patientAgeBand: '40-49', studyDate: new Date('2019-03-02'), modalities: ['CT', 'MR'], seriesCount: 2, instanceCount: 7, createdAt: now, updatedAt: now,
};
const series: Series = {
  id: '00000000-0000-4000-8000-000000000004', orgId: study.orgId, projectId: study.projectId, studyId: study.id, seriesInstanceUid: '2.25.2',
  modality: 'CT', bodyPart: 'CHEST', manufacturer: 'GE', seriesDate: new Date('2019-03-01'), instanceCount: 4, createdAt: now, updatedAt: now,
};
const SERIES_KEYS: QidoKey[] = [{ keyword: 'SeriesDate', tag: '00080021', kind: 'date', column: 'seriesDate' }];
const wanted = (query: Record<string, string>, fields: string[] = []) => ({ fields: new Set(fields), search: parseQido(query, SERIES_KEYS) });

describe('QIDO result data sets', () => {
  it('study: the Type R patient attributes always, PatientName as PN JSON with its representation groups', () => {
    const json = studyJson(study, 'http://gw/dicomweb/studies/2.25.1');
    expect(json['00100010']).toEqual({ vr: 'PN', Value: [{ Alphabetic: 'Roe^Max', Ideographic: 'ロー^マックス' }] });
    expect(json['00100020']).toEqual({ vr: 'LO', Value: ['MG48213'] });
    expect(json['00100040']).toEqual({ vr: 'CS', Value: ['M'] });
    expect(json['00080020']).toEqual({ vr: 'DA', Value: ['20190302'] });
    expect(json['00080061']).toEqual({ vr: 'CS', Value: ['CT', 'MR'] });
  });

  it('study: a profile that emptied the name and ID leaves them zero-length, not absent', () => {
    const json = studyJson({ ...study, patientName: null, patientSurrogateId: null, patientSex: null }, 'u');
    expect(json['00100010']).toEqual({ vr: 'PN' });
    expect(json['00100020']).toEqual({ vr: 'LO' });
    expect(json['00100040']).toEqual({ vr: 'CS' });
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
