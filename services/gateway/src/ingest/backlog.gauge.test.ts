import { describe, expect, it } from 'vitest';
import type { Backlog } from '@medgrade/queue';
import { BacklogGauge } from './backlog.gauge.ts';

const backlog = (total: number, orgs: Record<string, number> = {}): Backlog => ({ total, byFairKey: new Map(Object.entries(orgs)) });

describe('BacklogGauge', () => {
  it("refuses an organization past its own limit, everyone past the platform's, and reads the queue at most once per interval", async () => {
    let now = 0;
    let reads = 0;
    let next = backlog(0);
    const gauge = new BacklogGauge(async () => (reads++, next), { maxTotal: 100, maxPerOrg: 40, refreshMs: 1_000 }, { now: () => now });
    // Nothing read yet: admitted, and a read started.
    expect(gauge.check('a')).toBeUndefined();
    await gauge.refresh();
    expect(reads).toBe(1);

    next = backlog(60, { a: 40, b: 20 });
    now = 500;
    await gauge.refresh(); // within the interval: no read
    expect(reads).toBe(1);
    now = 1_000;
    await gauge.refresh();
    expect(reads).toBe(2);
    expect(gauge.check('a')).toEqual({ refused: 'ORG_INGEST_BACKLOG', max: 40 });
    expect(gauge.check('b')).toBeUndefined();

    next = backlog(100, { a: 10, b: 30, c: 60 });
    now = 2_000;
    await gauge.refresh();
    expect(gauge.check('a')).toEqual({ refused: 'INGEST_BACKLOG', max: 100 });
    expect(gauge.check('c')).toEqual({ refused: 'ORG_INGEST_BACKLOG', max: 40 });
  });

  it('admits everything once its last reading is stale (the queue unreachable), and reports read errors', async () => {
    let now = 0;
    let fail = false;
    const errors: unknown[] = [];
    const gauge = new BacklogGauge(async () => {
      if (fail) throw new Error('redis down');
      return backlog(500, { a: 500 });
    }, { maxTotal: 100, maxPerOrg: 40, refreshMs: 1_000 }, { now: () => now, onError: (e) => errors.push(e) });
    await gauge.refresh();
    expect(gauge.check('a')).toEqual({ refused: 'ORG_INGEST_BACKLOG', max: 40 });
    fail = true;
    now = 5_000;
    await gauge.refresh();
    expect(errors).toHaveLength(1);
    expect(gauge.check('a')).toEqual({ refused: 'ORG_INGEST_BACKLOG', max: 40 });
    now = 10_001;
    expect(gauge.check('a')).toBeUndefined();
  });
});
