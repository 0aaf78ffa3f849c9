import { describe, expect, it } from 'vitest';
import { metricsAccess, refreshedAtMost } from './metrics.access.ts';

describe('metricsAccess', () => {
  const token = 'x'.repeat(40);

  it('allows only the exact bearer token when one is configured', () => {
    const check = metricsAccess(token, true);
    expect(check(`Bearer ${token}`)).toBe('allowed');
    for (const header of [undefined, '', `Bearer ${token}x`, `Bearer ${token.slice(1)}`, token, `bearer  ${token}`]) {
      expect({ header, access: check(header) }).toEqual({ header, access: 'unauthenticated' });
    }
  });

  it('without a token, serves only where the caller says the listener is private', () => {
    expect(metricsAccess(undefined, true)(undefined)).toBe('allowed');
    expect(metricsAccess(undefined, false)(`Bearer ${token}`)).toBe('not-served');
  });
});

describe('refreshedAtMost', () => {
  it('runs the load once per interval, shares a run between concurrent callers and retries after a failure', async () => {
    let t = 0;
    let runs = 0;
    let fail = false;
    const read = refreshedAtMost(async () => {
      runs++;
      if (fail) throw new Error('down');
      return runs;
    }, 1000, () => t);
    expect(await Promise.all([read(), read()])).toEqual([1, 1]);
    t = 999;
    expect(await read()).toBe(1);
    t = 1000;
    fail = true;
    await expect(read()).rejects.toThrow('down');
    fail = false;
    expect(await read()).toBe(3);
    expect(runs).toBe(3);
    const every = refreshedAtMost(async () => ++runs, 0, () => t);
    expect([await every(), await every()]).toEqual([4, 5]);
  });
});
