// Batching for work whose statement or request serves every waiting caller alike (key clears,
// raw-object deletes): one run for whatever is waiting (DynamicBatcher, no added delay when idle),
// and each caller of the batch gets the run's outcome.
import { DynamicBatcher } from '@medgrade/batching';

/** A settled run: callers of a batch each get one. */
export type Outcome = { ok: true } | { ok: false; error: unknown };

/** Runs `work`, capturing a rejection as an outcome. */
export async function settle(work: () => Promise<void>): Promise<Outcome> {
  try {
    await work();
    return { ok: true };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Resolves for an ok outcome, rejects with the error of a failed one. */
export async function unwrap(outcome: Promise<Outcome>): Promise<void> {
  const o = await outcome;
  if (!o.ok) throw o.error;
}

/** A submit function whose concurrent calls share one `run` of up to `maxBatchSize` items. */
export function sharedBatch<T>(maxBatchSize: number, run: (items: T[]) => Promise<void>): (item: T) => Promise<void> {
  const batcher = new DynamicBatcher<T, Outcome>({
    maxBatchSize,
    maxQueueDelayMs: 0,
    run: async (items) => {
      const outcome = await settle(() => run(items));
      return items.map(() => outcome);
    },
  });
  return (item) => unwrap(batcher.submit(item));
}
