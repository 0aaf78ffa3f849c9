import { describe, expect, it } from 'vitest';
import { ByteBudget } from './byte.budget.ts';

describe('ByteBudget', () => {
  it('bounds each key and the process, admits an oversized reservation alone, and releases once', () => {
    const budget = new ByteBudget(100, 250);
    const a1 = budget.tryReserve('a', 60);
    expect('release' in a1).toBe(true);
    expect(budget.tryReserve('a', 50)).toEqual({ refused: 'KEY_BYTES_IN_FLIGHT', max: 100 });
    const b1 = budget.tryReserve('b', 100);
    const c1 = budget.tryReserve('c', 90);
    expect(budget.inFlight).toBe(250);
    expect(budget.tryReserve('d', 1)).toEqual({ refused: 'PROCESS_BYTES_IN_FLIGHT', max: 250 });
    for (const r of [a1, b1, c1]) if ('release' in r) { r.release(); r.release(); }
    expect(budget.inFlight).toBe(0);
    const big = budget.tryReserve('a', 1000);
    expect('release' in big).toBe(true);
    expect(budget.tryReserve('b', 1)).toEqual({ refused: 'PROCESS_BYTES_IN_FLIGHT', max: 250 });
  });
});
