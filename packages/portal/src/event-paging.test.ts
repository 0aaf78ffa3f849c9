import { describe, expect, it } from 'vitest';
import type { FinetuneEvent } from '@medgrade/sdk';
import { EMPTY_LOG, appendPage, followEvents, lossSeries, type EventPage } from './event-paging.ts';

const event = (seq: number, type: string, data: Record<string, unknown> = {}, attempt: number | null = 1): FinetuneEvent => ({ seq, type, attempt, data, createdAt: new Date(1_800_000_000_000 + seq * 1000).toISOString() });

describe('fine-tuning event paging', () => {
  it('merges pages in seq order without duplicates and keeps the cursor', () => {
    let log = appendPage(EMPTY_LOG, { items: [event(1, 'state'), event(2, 'start')], next: 2, finished: false });
    log = appendPage(log, { items: [event(2, 'start'), event(4, 'step'), event(3, 'step')], next: 4, finished: false });
    expect(log.events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(log.next).toBe(4);
    // An empty page answers `next` = the `after` passed: the cursor never goes back.
    log = appendPage(log, { items: [], next: 4, finished: true });
    expect([log.next, log.finished, log.events.length]).toEqual([4, true, 4]);
  });

  it('reads the loss curve from step events; a resumed attempt overrides the steps it repeats', () => {
    const events = [
      event(1, 'step', { step: 1, loss: 2.5 }),
      event(2, 'step', { step: 2, loss: 2.0 }),
      event(3, 'checkpoint', { step: 2 }),
      event(4, 'step', { step: 3, loss: 1.9 }),
      event(5, 'preempted', {}),
      event(6, 'step', { step: 3, loss: 1.8 }, 2),
      event(7, 'step', { step: 4, loss: 'NaN' }, 2),
      event(8, 'step', { step: 4, loss: 1.5 }, 2),
    ];
    expect(lossSeries(events)).toEqual([{ step: 1, loss: 2.5 }, { step: 2, loss: 2.0 }, { step: 3, loss: 1.8 }, { step: 4, loss: 1.5 }]);
  });

  it('follows the stream with after= until it is finished, waiting only after a short page', async () => {
    const pages: Record<number, EventPage> = {
      0: { items: [event(1, 'state'), event(2, 'start')], next: 2, finished: false },
      2: { items: [event(3, 'step', { step: 1, loss: 1 })], next: 3, finished: false },
      3: { items: [event(4, 'done')], next: 4, finished: true },
    };
    const asked: number[] = [];
    const updates: number[] = [];
    const log = await followEvents(async (after) => {
      asked.push(after);
      return pages[after]!;
    }, { intervalMs: 1, onUpdate: (l) => updates.push(l.events.length) }, 2);
    expect(asked).toEqual([0, 2, 3]);
    expect(updates).toEqual([2, 3, 4]);
    expect(log.finished).toBe(true);
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    const done = followEvents(async () => ({ items: [], next: 0, finished: false }), { intervalMs: 60_000, signal: controller.signal, onUpdate: () => controller.abort(new Error('left the page')) });
    await expect(done).rejects.toThrow('left the page');
  });
});
