import { describe, expect, it } from 'vitest';
import { patientShiftDays, shiftDA, shiftDT } from './date.shift.ts';

describe('date shift', () => {
  it('gives one patient one shift, 1 to 10 years into the past', () => {
    const secret = Buffer.alloc(32, 3);
    const days = patientShiftDays(secret, 'id:12345');
    expect(patientShiftDays(secret, 'id:12345')).toBe(days);
    expect(days).toBeLessThanOrEqual(-365);
    expect(days).toBeGreaterThan(-3653);
    const others = new Set(Array.from({ length: 50 }, (_, i) => patientShiftDays(secret, `id:${i}`)));
    expect(others.size).toBeGreaterThan(40);
  });

  it('keeps intervals between dates and across month and leap boundaries', () => {
    expect(shiftDA('20240301', -1)).toBe('20240229');
    expect(shiftDA('20230301', -1)).toBe('20230228');
    expect(shiftDA('20200115\\20200120', -30)).toBe('20191216\\20191221');
    expect(shiftDA('2020.01.15', -30)).toBe('20191216');
  });

  it('keeps precision of partial dates and the time and offset of datetimes', () => {
    expect(shiftDA('2020', -400)).toBe('2019');
    expect(shiftDT('20200115103000.123456+0100', -10)).toBe('20200105103000.123456+0100');
    expect(shiftDT('202001', -40)).toBe('201912');
  });

  it('refuses values that are not dates', () => {
    expect(shiftDA('20201341', -1)).toBeUndefined();
    expect(shiftDA('yesterday', -1)).toBeUndefined();
    expect(shiftDT('2020-01-01', -1)).toBeUndefined();
  });
});
