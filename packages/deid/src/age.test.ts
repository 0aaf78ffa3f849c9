import { describe, expect, it } from 'vitest';
import { ageBand, ageFromDates, ageYears, capAge } from './age.ts';

describe('age strings', () => {
  it('parse every AS unit', () => {
    expect(ageYears('045Y')).toBe(45);
    expect(ageYears('006M')).toBe(0.5);
    expect(ageYears('104W')).toBeCloseTo(1.99, 1);
    expect(ageYears('45Y')).toBeUndefined();
  });

  it('cap ages of 90 and above (Safe Harbor)', () => {
    expect(capAge('089Y')).toBe('089Y');
    expect(capAge('093Y')).toBe('090Y');
    expect(capAge('bad')).toBeUndefined();
  });

  it('compute ages from dates and bands', () => {
    expect(ageFromDates('19800615', '20200614')).toBe(39);
    expect(ageFromDates('19800615', '20200615')).toBe(40);
    expect(ageBand(39)).toBe('30-39');
    expect(ageBand(0.5)).toBe('0-9');
    expect(ageBand(95)).toBe('90+');
  });
});
