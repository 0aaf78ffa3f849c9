import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DynamicBatcher } from './dynamic.batcher.ts';

function recorder(delayMs = 0) {
  const batches: number[][] = [];
  const run = async (items: number[]) => {
    batches.push(items);
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    return items.map((x) => x * 10);
  };
  return { batches, run };
}

describe('DynamicBatcher', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('waits up to maxQueueDelayMs to fill a batch, then runs it once', async () => {
    const { batches, run } = recorder();
    const b = new DynamicBatcher({ maxBatchSize: 8, maxQueueDelayMs: 5, run });
    const results = [1, 2, 3].map((x) => b.submit(x));
    expect(batches).toEqual([]);
    await vi.advanceTimersByTimeAsync(5);
    expect(await Promise.all(results)).toEqual([10, 20, 30]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('dispatches at once when maxBatchSize are queued and splits larger queues', async () => {
    const { batches, run } = recorder(1);
    const sizes: number[] = [];
    const b = new DynamicBatcher({ maxBatchSize: 2, maxQueueDelayMs: 1000, run, onBatch: (n) => sizes.push(n) });
    const results = [1, 2, 3, 4, 5].map((x) => b.submit(x));
    expect(batches).toEqual([[1, 2]]);
    await vi.advanceTimersByTimeAsync(3);
    expect(await Promise.all(results)).toEqual([10, 20, 30, 40, 50]);
    expect(batches).toEqual([[1, 2], [3, 4], [5]]);
    expect(sizes).toEqual([2, 2, 1]);
  });

  it('forms the next batch from requests that arrive while one runs', async () => {
    const { batches, run } = recorder(10);
    const b = new DynamicBatcher({ maxBatchSize: 4, maxQueueDelayMs: 0, run });
    const first = b.submit(1);
    const later = [2, 3, 4].map((x) => b.submit(x));
    expect(b.queueDepth).toBe(3);
    await vi.advanceTimersByTimeAsync(25);
    await Promise.all([first, ...later]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('drops a request cancelled while queued and rejects it with the abort reason', async () => {
    const { batches, run } = recorder();
    const depths: number[] = [];
    const b = new DynamicBatcher({ maxBatchSize: 8, maxQueueDelayMs: 5, run, onQueueDepth: (d) => depths.push(d) });
    const controller = new AbortController();
    const cancelled = b.submit(1, controller.signal);
    const kept = b.submit(2);
    controller.abort(new Error('timeout'));
    await expect(cancelled).rejects.toThrow('timeout');
    await vi.advanceTimersByTimeAsync(5);
    expect(await kept).toBe(20);
    expect(batches).toEqual([[2]]);
    expect(depths).toEqual([1, 2, 1, 0]);
  });

  it('rejects every request of a batch whose run fails, and keeps serving', async () => {
    let fail = true;
    const b = new DynamicBatcher<number, number>({
      maxBatchSize: 2, maxQueueDelayMs: 0,
      run: async (items) => {
        if (fail) throw new Error('onnx failed');
        return items;
      },
    });
    await expect(b.submit(1)).rejects.toThrow('onnx failed');
    fail = false;
    expect(await b.submit(7)).toBe(7);
  });

  it('close rejects queued requests', async () => {
    const b = new DynamicBatcher<number, number>({ maxBatchSize: 8, maxQueueDelayMs: 50, run: async (x) => x });
    const p = b.submit(1);
    b.close();
    await expect(p).rejects.toThrow('model was unloaded');
    await expect(b.submit(2)).rejects.toThrow('closed');
  });
});
