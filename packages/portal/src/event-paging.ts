// A fine-tuning job's event stream, read page by page with GET /v1/finetune-jobs/{id}/events?after=
// (the cursor is the last `seq` seen): pages are merged without duplicates, in seq order, and the
// loss curve is read from the `step` events. Pure except followEvents, which polls until the
// server says the stream is finished.
import { sleep, type FinetuneEvent } from '@medgrade/sdk';

export interface EventPage {
  items: FinetuneEvent[];
  next: number;
  finished: boolean;
}

export interface EventLog {
  events: FinetuneEvent[];
  /** The `after` of the next request. */
  next: number;
  finished: boolean;
}

export const EMPTY_LOG: EventLog = { events: [], next: 0, finished: false };

/** Merge a page into the log: events already held (same seq) are skipped, order is by seq. */
export function appendPage(log: EventLog, page: EventPage): EventLog {
  const seen = new Set(log.events.map((e) => e.seq));
  const fresh = page.items.filter((e) => !seen.has(e.seq));
  const events = fresh.length === 0 ? log.events : [...log.events, ...fresh].sort((a, b) => a.seq - b.seq);
  return { events, next: Math.max(log.next, page.next), finished: page.finished };
}

export interface LossPoint {
  step: number;
  loss: number;
}

/**
 * The loss curve: one point per step from `step` events. A resumed attempt repeats the steps
 * after its checkpoint; the later event of a step wins, so the curve shows what the model that
 * finished went through.
 */
export function lossSeries(events: readonly FinetuneEvent[]): LossPoint[] {
  const byStep = new Map<number, number>();
  for (const event of events) {
    const { step, loss } = event.data;
    if (event.type !== 'step' || typeof step !== 'number' || typeof loss !== 'number' || !Number.isFinite(loss)) continue;
    byStep.set(step, loss);
  }
  return [...byStep].map(([step, loss]) => ({ step, loss })).sort((a, b) => a.step - b.step);
}

export interface FollowOptions {
  /** Wait between requests once a page came back short (the stream is live). */
  intervalMs?: number;
  signal?: AbortSignal;
  onUpdate: (log: EventLog) => void;
}

/** Read pages from `after = 0` until the stream is finished (or the signal aborts); full pages are read back to back. */
export async function followEvents(fetchPage: (after: number) => Promise<EventPage>, options: FollowOptions, pageSize = 500): Promise<EventLog> {
  let log = EMPTY_LOG;
  for (;;) {
    options.signal?.throwIfAborted();
    const page = await fetchPage(log.next);
    log = appendPage(log, page);
    options.onUpdate(log);
    if (log.finished) return log;
    if (page.items.length < pageSize) await sleep(options.intervalMs ?? 2000, options.signal);
  }
}
