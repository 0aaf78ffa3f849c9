import { describe, expect, it } from 'vitest';
import { OutageWaits } from './outage.wait.ts';

const settings = { outageWaitSeconds: 30, retryBackoffMs: 500, retryBackoffMaxMs: 4000, nodeRetries: 3 };
// What the clients throw when their server is gone (names and codes as the libraries set them).
const storeRefuses = () => Object.assign(new Error('writes refused'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } });
const dbDown = () => Object.assign(new Error("Can't reach database server"), { name: 'PrismaClientKnownRequestError', code: 'P1001' });

describe('OutageWaits', () => {
  it('waits out an outage with a doubling, capped backoff, the job not due meanwhile', () => {
    const waits = new OutageWaits(settings);
    const verdicts = [0, 1_000, 3_000, 7_000, 12_000].map((t) => waits.record('job', t % 2 ? dbDown() : storeRefuses(), t));
    expect(verdicts).toEqual([500, 1000, 2000, 4000, 4000].map((retryInMs) => ({ kind: 'wait', retryInMs })));
    expect([waits.due('job', 12_000), waits.due('job', 15_999), waits.due('job', 16_000), waits.due('other', 12_000)]).toEqual([false, false, true, true]);
  });

  it('fails the job once the outage has lasted longer than the bound, saying so', () => {
    const waits = new OutageWaits(settings);
    waits.record('job', storeRefuses(), 0);
    expect(waits.record('job', storeRefuses(), 29_000).kind).toBe('wait');
    expect(waits.record('job', storeRefuses(), 30_000)).toEqual({
      kind: 'exceeded', message: 'the object store or database stayed unreachable for 30 s, longer than the 30 s a job waits out an outage: writes refused',
    });
    // The clock starts again after a verdict, a success or a failure of the job's own.
    expect(waits.record('job', storeRefuses(), 31_000).kind).toBe('wait');
    waits.clear('job');
    expect([waits.due('job', 31_000), waits.record('job', storeRefuses(), 60_000).kind]).toEqual([true, 'wait']);
  });

  it('counts any other error as the work\'s own failure and ends the wait', () => {
    const waits = new OutageWaits(settings);
    waits.record('job', storeRefuses(), 0);
    expect(waits.record('job', new TypeError('bad report'), 100)).toEqual({ kind: 'failure' });
    expect(waits.due('job', 100)).toBe(true);
    expect(waits.record('job', storeRefuses(), 50_000).kind).toBe('wait');
  });
});
