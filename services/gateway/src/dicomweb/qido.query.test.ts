import { describe, expect, it } from 'vitest';
import { BadRequestError } from '@medgrade/contracts';
import { includeFields, parseDateRange, parseQido, parseTimeRange, type QidoKey } from './qido.query.ts';
import { likePattern } from '@medgrade/db';

const keys: QidoKey[] = [
  { keyword: 'StudyInstanceUID', tag: '0020000D', kind: 'uid', column: 'studyInstanceUid' },
  { keyword: 'StudyDate', tag: '00080020', kind: 'date', column: 'studyDate' },
  { keyword: 'PatientID', tag: '00100020', kind: 'text', column: 'patientSurrogateId' },
  { keyword: 'PatientName', tag: '00100010', kind: 'name', column: 'patientName' },
  { keyword: 'StudyTime', tag: '00080030', kind: 'time', column: 'studyTime' },
  { keyword: 'SeriesNumber', tag: '00200011', kind: 'int', column: 'seriesNumber' },
];

/** The 400 a query gets, or undefined when it parses. */
function refusal(query: Record<string, unknown>): BadRequestError | undefined {
  try {
    parseQido(query, keys);
    return undefined;
  } catch (error) {
    if (error instanceof BadRequestError) return error;
    throw error;
  }
}

describe('QIDO query parsing', () => {
  it('parses date ranges in all four forms and refuses nonsense and impossible days', () => {
    expect(parseDateRange('20200102')).toEqual({ from: new Date('2020-01-02'), to: new Date('2020-01-02') });
    expect(parseDateRange('20200102-')).toEqual({ from: new Date('2020-01-02'), to: undefined });
    expect(parseDateRange('-20200102')).toEqual({ from: undefined, to: new Date('2020-01-02') });
    expect(parseDateRange('20200101-20201231')).toEqual({ from: new Date('2020-01-01'), to: new Date('2020-12-31') });
    expect(parseDateRange('2020')).toBeUndefined();
    expect(parseDateRange('-')).toBeUndefined();
    expect(parseDateRange('20201301')).toBeUndefined();
    expect(parseDateRange('20200230-')).toBeUndefined();
  });

  it('parses TM values and ranges as 12-digit bounds, a partial time covering its whole period', () => {
    expect(parseTimeRange('1030')).toEqual({ from: '103000000000', to: '103099999999' });
    expect(parseTimeRange('103000.25')).toEqual({ from: '103000250000', to: '103000259999' });
    expect(parseTimeRange('08-')).toEqual({ from: '080000000000', to: undefined });
    expect(parseTimeRange('-1200')).toEqual({ from: undefined, to: '120099999999' });
    expect(parseTimeRange('070000-093000.123456')).toEqual({ from: '070000000000', to: '093000123456' });
    for (const bad of ['', '-', '7', '2400', '1060', '10:30', '103000.1234567', '10-11-12', 'ab']) expect({ bad, range: parseTimeRange(bad) }).toEqual({ bad, range: undefined });
    expect(parseQido({ '00080030': '0900-1000' }, keys).conditions.get('StudyTime')).toEqual({ kind: 'times', from: '090000000000', to: '100099999999' });
  });

  it('parses integer keys as value lists without wildcards, "*" alone being universal matching', () => {
    expect(parseQido({ SeriesNumber: '3' }, keys).conditions.get('SeriesNumber')).toEqual({ kind: 'numbers', values: [3] });
    expect(parseQido({ '00200011': '1\\+2\\-4' }, keys).conditions.get('SeriesNumber')).toEqual({ kind: 'numbers', values: [1, 2, -4] });
    const universal = parseQido({ SeriesNumber: '*' }, keys);
    expect([universal.conditions.size, [...universal.requested]]).toEqual([0, ['SeriesNumber']]);
    for (const bad of ['1*', '?', '1.5', 'x', '99999999999']) {
      expect(refusal({ SeriesNumber: bad })?.message).toBe('Invalid value for QIDO key SeriesNumber: use whole numbers, listed with "\\"; wildcards are not allowed on numbers');
    }
    expect(refusal({ StudyTime: '25' })?.details).toEqual({ key: 'StudyTime' });
  });

  it('maps keywords and tags, UID lists, value lists, wildcards anywhere, and reports unknown keys', () => {
    const { conditions, ignored, fuzzy } = parseQido({ '0020000D': '1.2,1.3\\1.4', PatientID: 'A?B*\\XY', StudyDate: '20200101-', Foo: 'x', limit: '5' }, keys);
    expect(conditions.get('StudyInstanceUID')).toEqual({ kind: 'match', terms: [{ exact: '1.2' }, { exact: '1.3' }, { exact: '1.4' }] });
    expect(conditions.get('PatientID')).toEqual({ kind: 'match', terms: [{ pattern: 'A?B*' }, { exact: 'XY' }] });
    expect(conditions.get('StudyDate')).toEqual({ kind: 'range', from: new Date('2020-01-01'), to: undefined });
    expect(ignored).toEqual(['Foo']);
    expect(fuzzy).toBe(false);
  });

  it('treats an empty value and a lone "*" as universal matching (no condition, no warning)', () => {
    const { conditions, ignored } = parseQido({ PatientID: '*', PatientName: '**', StudyDate: '' }, keys);
    expect(conditions.size).toBe(0);
    expect(ignored).toEqual([]);
  });

  it('records the level\'s keys a query names, universal matching included, for the response to return', () => {
    const seriesDate: QidoKey = { keyword: 'SeriesDate', tag: '00080021', kind: 'date', column: 'seriesDate' };
    const search = parseQido({ '00080021': '20200101-20200131', PatientID: '', PatientName: '*', Foo: 'x', includefield: 'all' }, [...keys, seriesDate]);
    expect([...search.requested].sort()).toEqual(['PatientID', 'PatientName', 'SeriesDate']);
    expect(search.conditions.get('SeriesDate')).toEqual({ kind: 'range', from: new Date('2020-01-01'), to: new Date('2020-01-31') });
    expect([...search.conditions.keys()]).toEqual(['SeriesDate']);
    expect(search.ignored).toEqual(['Foo']);
  });

  it('splits person names into fuzzy words only with fuzzymatching=true', () => {
    expect(parseQido({ PatientName: 'doe^jo*' }, keys).conditions.get('PatientName')).toEqual({ kind: 'match', terms: [{ pattern: 'doe^jo*' }] });
    const fuzzy = parseQido({ PatientName: 'doe^jo  ann', fuzzymatching: 'true' }, keys);
    expect(fuzzy.fuzzy).toBe(true);
    expect(fuzzy.conditions.get('PatientName')).toEqual({ kind: 'fuzzy', words: ['doe', 'jo', 'ann'] });
    // By tag, a value list, commas and "*" words (which match anything) dropped.
    const listed = parseQido({ '00100010': 'Roe,Max\\*^ann*', fuzzymatching: 'true' }, keys);
    expect(listed.conditions.get('PatientName')).toEqual({ kind: 'fuzzy', words: ['Roe', 'Max', 'ann*'] });
    expect(parseQido({ PatientName: '*^**', fuzzymatching: 'true' }, keys).conditions.size).toBe(0);
    // fuzzymatching changes nothing for other kinds.
    expect(parseQido({ PatientID: 'ab', fuzzymatching: 'true' }, keys).conditions.get('PatientID')).toEqual({ kind: 'match', terms: [{ exact: 'ab' }] });
  });

  it('refuses malformed values with a 400 that names the key but never echoes the value', () => {
    const secret = 'SMITH1234';
    const cases: Record<string, unknown>[] = [
      { StudyDate: secret },
      { StudyDate: '20201340' },
      { StudyInstanceUID: `1.2.${secret}` },
      { StudyInstanceUID: '1.2.*' },
      // Separators only: no UID (was an empty SQL condition, a 500 found by bench:reliability).
      { StudyInstanceUID: '\\' },
      { StudyInstanceUID: ',\\,' },
      { PatientID: `${secret}\u0000` },
      { PatientID: secret.repeat(10) },
      { PatientID: Array.from({ length: 101 }, (_, i) => `v${i}`).join('\\') },
      { fuzzymatching: 'yes' },
    ];
    for (const query of cases) {
      const error = refusal(query);
      expect(error, JSON.stringify(Object.keys(query))).toBeInstanceOf(BadRequestError);
      expect(error!.message).not.toContain(secret);
      expect(JSON.stringify(error!.details)).not.toContain(secret);
    }
    expect(refusal({ StudyDate: 'x' })!.message).toBe('Invalid value for QIDO key StudyDate: use YYYYMMDD, YYYYMMDD-, -YYYYMMDD or YYYYMMDD-YYYYMMDD with real dates');
    expect(refusal({ '0020000d': '1.x' })!.details).toEqual({ key: 'StudyInstanceUID' });
  });

  it('escapes LIKE metacharacters and turns DICOM wildcards into LIKE ones', () => {
    expect(likePattern('A*B?C')).toBe('A%B_C');
    expect(likePattern('100%_\\x*')).toBe('100\\%\\_\\\\x%');
    expect(likePattern('plain')).toBe('plain');
  });

  it('splits includefield', () => {
    expect([...includeFields(['00080060,Manufacturer', 'all'])]).toEqual(['00080060', 'Manufacturer', 'all']);
    // Tags compare upper-case (keys are written so), whatever case the client sends.
    expect([...includeFields('0008103e, 00081030')]).toEqual(['0008103E', '00081030']);
  });
});
