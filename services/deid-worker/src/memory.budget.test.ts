import { describe, expect, it } from 'vitest';
import { MemoryBudget } from './memory.budget.ts';

const settled = async <T>(p: Promise<T>): Promise<boolean> => {
  let done = false;
  void p.then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  return done;
};

describe('MemoryBudget', () => {
  it('grants reservations that fit and holds the rest until bytes are released', async () => {
    const budget = new MemoryBudget(100);
    const a = await budget.reserve(60);
    const b = budget.reserve(50);
    expect(await settled(b)).toBe(false);
    expect(budget.inUse).toBe(60);
    a();
    const releaseB = await b;
    expect(budget.inUse).toBe(50);
    releaseB();
    expect(budget.inUse).toBe(0);
  });

  it('runs an instance larger than the whole budget alone, capped at the budget', async () => {
    const budget = new MemoryBudget(100);
    const small = await budget.reserve(10);
    const huge = budget.reserve(10_000);
    expect(await settled(huge)).toBe(false);
    small();
    const releaseHuge = await huge;
    expect(budget.inUse).toBe(100);
    const next = budget.reserve(1);
    expect(await settled(next)).toBe(false);
    releaseHuge();
    (await next)();
    expect(budget.inUse).toBe(0);
  });

  it('serves waiters in order, so small reservations do not starve a large one', async () => {
    const budget = new MemoryBudget(100);
    const first = await budget.reserve(50);
    const large = budget.reserve(80);
    const small = budget.reserve(10);
    // 10 would fit beside the 50 held, but the 80 waiting ahead of it goes first.
    expect(await settled(small)).toBe(false);
    first();
    const releaseLarge = await large;
    expect(await settled(small)).toBe(true);
    expect(budget.inUse).toBe(90);
    releaseLarge();
    (await small)();
    expect(budget.inUse).toBe(0);
  });

  it('ignores a second release of the same reservation', async () => {
    const budget = new MemoryBudget(100);
    const release = await budget.reserve(40);
    const other = await budget.reserve(30);
    release();
    release();
    expect(budget.inUse).toBe(30);
    other();
  });

  it('refuses a budget that is not positive', () => {
    expect(() => new MemoryBudget(0)).toThrow(RangeError);
  });
});
