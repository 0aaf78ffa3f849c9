import { describe, expect, it } from 'vitest';
import { includeFields, parseDateRange, wildcardFilter, parseQido, type QidoKey } from './qido.query.ts';

const keys: QidoKey[] = [
  { keyword: 'StudyInstanceUID', tag: '0020000D', kind: 'uid' },
  { keyword: 'StudyDate', tag: '00080020', kind: 'date' },
  { keyword: 'PatientID', tag: '00100020', kind: 'text' },
];

describe('QIDO query parsing', () => {
  it('parses date ranges in all four forms and refuses nonsense', () => {
    expect(parseDateRange('20200102')).toEqual({ from: new Date('2020-01-02'), to: new Date('2020-01-02') });
    expect(parseDateRange('20200102-')).toEqual({ from: new Date('2020-01-02'), to: undefined });
    expect(parseDateRange('-20200102')).toEqual({ from: undefined, to: new Date('2020-01-02') });
    expect(parseDateRange('20200101-20201231')).toEqual({ from: new Date('2020-01-01'), to: new Date('2020-12-31') });
    expect(parseDateRange('2020')).toBeUndefined();
    expect(parseDateRange('-')).toBeUndefined();
  });

  it('maps keywords and tags, UID lists, wildcards, and reports unknown keys', () => {
    const { conditions, ignored } = parseQido({ '0020000D': '1.2,1.3', PatientID: 'AB*', StudyDate: '20200101-', Foo: 'x', limit: '5' }, keys);
    expect(conditions.get('StudyInstanceUID')).toEqual({ kind: 'in', values: ['1.2', '1.3'] });
    expect(conditions.get('PatientID')).toEqual({ kind: 'like', pattern: 'AB*' });
    expect(conditions.get('StudyDate')).toEqual({ kind: 'range', from: new Date('2020-01-01'), to: undefined });
    expect(ignored).toEqual(['Foo']);
  });

  it('turns wildcards into string filters and splits includefield', () => {
    expect(wildcardFilter('AB*')).toEqual({ startsWith: 'AB' });
    expect(wildcardFilter('*AB')).toEqual({ endsWith: 'AB' });
    expect(wildcardFilter('*AB*')).toEqual({ contains: 'AB' });
    expect(wildcardFilter('A*B')).toBeUndefined();
    expect(wildcardFilter('A?B')).toBeUndefined();
    expect([...includeFields(['00080060,Manufacturer', 'all'])]).toEqual(['00080060', 'Manufacturer', 'all']);
  });
});
