import { describe, expect, it } from 'vitest';
import { BadRequestError } from '@medgrade/contracts';
import { includeFields, parseDateRange, parseQido, type QidoKey } from './qido.query.ts';
import { likePattern } from './qido.sql.ts';

const keys: QidoKey[] = [
  { keyword: 'StudyInstanceUID', tag: '0020000D', kind: 'uid', column: 'studyInstanceUid' },
  { keyword: 'StudyDate', tag: '00080020', kind: 'date', column: 'studyDate' },
  { keyword: 'PatientID', tag: '00100020', kind: 'text', column: 'patientSurrogateId' },
  { keyword: 'PatientName', tag: '00100010', kind: 'name', column: 'patientName' },
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
  });
});
