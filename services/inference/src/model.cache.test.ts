import { describe, expect, it } from 'vitest';
import type { ModelRequest, ModelResult } from '@medgrade/model-runtime';
import { createMetrics } from './metrics.ts';
import { ModelCache, type ModelKey, type ServableModel } from './model.cache.ts';

function fakeModel(name: string, memoryBytes: number, log: string[]): ServableModel {
  return {
    manifest: { name } as ServableModel['manifest'],
    memoryBytes,
    run: async (items: readonly ModelRequest[]): Promise<ModelResult[]> => items.map(() => ({ text: name })),
    release: async () => {
      log.push(`release ${name}`);
    },
  };
}

function cache(budget: number, log: string[]) {
  return new ModelCache({
    memoryBudgetBytes: budget, maxBatchSize: 4, maxQueueDelayMs: 0, metrics: createMetrics(),
    load: async (k: ModelKey) => {
      log.push(`load ${k.name}`);
      return fakeModel(k.name, 100, log);
    },
  });
}

const key = (name: string): ModelKey => ({ orgId: 'o1', name, version: '1' });

describe('ModelCache', () => {
  it('loads once for concurrent first uses', async () => {
    const log: string[] = [];
    const c = cache(1000, log);
    const [a, b] = await Promise.all([c.acquire(key('a')), c.acquire(key('a'))]);
    expect(a).toBe(b);
    expect(log).toEqual(['load a']);
  });

  it('evicts the least recently used version above the memory budget', async () => {
    const log: string[] = [];
    const c = cache(250, log);
    await c.acquire(key('a'));
    await c.acquire(key('b'));
    await c.acquire(key('a')); // a is now most recently used
    await c.acquire(key('c'));
    expect(log).toEqual(['load a', 'load b', 'load c', 'release b']);
    expect(c.loaded().map((e) => e.key.name)).toEqual(['a', 'c']);
    expect(c.loadedBytes).toBe(200);
  });

  it('hands out a loaded version without waiting, and submits to it directly', async () => {
    const log: string[] = [];
    const c = cache(1000, log);
    expect(c.loadedVersion(key('a'))).toBeUndefined();
    const a = await c.acquire(key('a'));
    await c.acquire(key('b'));
    expect(c.loadedVersion(key('a'))).toBe(a);
    expect(c.loaded().map((e) => e.key.name)).toEqual(['b', 'a']); // a is now most recently used
    expect((await c.submitTo(a, { pixels: new Float32Array() })).text).toBe('a');
    expect(log).toEqual(['load a', 'load b']);
  });

  it('never evicts a version with requests in flight', async () => {
    const log: string[] = [];
    let release!: () => void;
    const c = new ModelCache({
      memoryBudgetBytes: 150, maxBatchSize: 1, maxQueueDelayMs: 0, metrics: createMetrics(),
      load: async (k) => ({
        ...fakeModel(k.name, 100, log),
        run: (items) => new Promise<ModelResult[]>((r) => (release = () => r(items.map(() => ({ text: k.name }))))),
      }),
    });
    const pending = c.submit(key('a'), { pixels: new Float32Array() });
    await new Promise((r) => setTimeout(r, 5));
    await c.acquire(key('b'));
    expect(c.loaded().map((e) => e.key.name)).toEqual(['a', 'b']);
    release();
    expect((await pending).text).toBe('a');
  });

  it('reports a failed load to every waiter and retries on the next use', async () => {
    let attempts = 0;
    const c = new ModelCache({
      memoryBudgetBytes: 1000, maxBatchSize: 1, maxQueueDelayMs: 0, metrics: createMetrics(),
      load: async (k) => {
        attempts += 1;
        if (attempts === 1) throw new Error('bad bundle');
        return fakeModel(k.name, 1, []);
      },
    });
    await expect(Promise.all([c.acquire(key('a')), c.acquire(key('a'))])).rejects.toThrow('bad bundle');
    expect((await c.acquire(key('a'))).key.name).toBe('a');
    expect(attempts).toBe(2);
  });
});
