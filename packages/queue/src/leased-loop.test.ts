import type { Leases } from './lease.ts';
import { describe, expect, it } from 'vitest';
import { startLeasedLoop } from './leased-loop.ts';

// Grants the lease on the calls whose index is in `granted`.
function leases(granted: (call: number) => boolean): Leases & { calls: string[]; closed: boolean } {
  const self = {
    calls: [] as string[],
    closed: false,
    async tryAcquire(name: string) {
      self.calls.push(name);
      return granted(self.calls.length - 1);
    },
    async close() {
      self.closed = true;
    },
  };
  return self;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('startLeasedLoop', () => {
  it('runs a pass only while this replica holds the lease, reports failures and keeps going', async () => {
    const lease = leases((n) => n !== 1);
    let passes = 0;
    const results: number[] = [];
    const errors: string[] = [];
    const loop = startLeasedLoop(async () => {
      passes++;
      if (passes === 2) throw new Error('store down');
      return passes;
    }, lease, { lease: 'inference-reconcile', intervalMs: 10, onPass: (r) => results.push(r), onError: (e) => errors.push(e.message) });
    while (lease.calls.length < 4) await sleep(5);
    await loop.close();
    expect(lease.calls.slice(0, 4)).toEqual(Array(4).fill('inference-reconcile'));
    // Call 1 was refused (another replica), pass 2 failed; passes 1 and 3 reported.
    expect(results.slice(0, 2)).toEqual([1, 3]);
    expect(errors).toEqual(['store down']);
    expect(lease.closed).toBe(true);
  });

  it('close() waits for the pass in progress and schedules no more', async () => {
    const lease = leases(() => true);
    let finished = 0;
    const loop = startLeasedLoop(async () => {
      await sleep(30);
      finished++;
    }, lease, { lease: 'l', intervalMs: 5 });
    while (lease.calls.length < 1) await sleep(1);
    await loop.close();
    expect(finished).toBe(1);
    await sleep(30);
    expect(lease.calls).toHaveLength(1);
  });

  it('runs the pass when nobody observes it (no onPass)', async () => {
    const lease = leases(() => true);
    let passes = 0;
    const loop = startLeasedLoop(async () => {
      passes++;
    }, lease, { lease: 'l', intervalMs: 5 });
    while (lease.calls.length < 2) await sleep(2);
    await loop.close();
    expect(passes).toBeGreaterThanOrEqual(1);
  });
});
