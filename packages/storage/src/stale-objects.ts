// Deleting objects that outlived their owner: the reconcilers' sweep of quarantine/ (deid-worker)
// and inference-inputs/ (gateway). Objects under a prefix, older than a cutoff, whose key names an
// owner id that `keep` does not return, are deleted, at most `limit` per call. Owners are checked
// `limit` keys at a time, so memory stays bounded however large the prefix is.
import type { ObjectStore } from './object-store.ts';

export interface StaleObjectSweep {
  prefix: string;
  /** The owner id a key belongs to, or undefined for keys the sweep must leave alone. */
  ownerOf(key: string): string | undefined;
  /** Objects last modified at or after this are too young to judge. */
  cutoff: Date;
  limit: number;
  /** The subset of owner ids whose objects must be kept. */
  keep(ids: string[]): Promise<Set<string>>;
}

/** Deletes stale objects per the sweep; returns how many it deleted. */
export async function deleteStaleObjects(store: Pick<ObjectStore, 'list' | 'delete'>, sweep: StaleObjectSweep): Promise<number> {
  let deleted = 0;
  let candidates: { key: string; id: string }[] = [];
  const flush = async (): Promise<void> => {
    const kept = await sweep.keep([...new Set(candidates.map((c) => c.id))]);
    for (const c of candidates) {
      if (kept.has(c.id) || deleted >= sweep.limit) continue;
      await store.delete(c.key);
      deleted++;
    }
    candidates = [];
  };
  for await (const object of store.list(sweep.prefix)) {
    const id = sweep.ownerOf(object.key);
    if (!id || !object.lastModified || object.lastModified >= sweep.cutoff) continue;
    candidates.push({ key: object.key, id });
    if (candidates.length < sweep.limit) continue;
    await flush();
    if (deleted >= sweep.limit) return deleted;
  }
  await flush();
  return deleted;
}
