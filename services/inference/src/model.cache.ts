// Loaded model versions, kept in least-recently-used order and bounded by a memory budget.
// Versions load on first use (concurrent first uses share one load); when the estimated size
// passes the budget the least recently used idle versions are released. A version with queued
// or running batches is never evicted mid-request, so the budget may be exceeded briefly.
import { getBuffer, modelFileKey, ObjectNotFoundError, type ObjectStore } from '@medgrade/storage';
import { NotFoundError } from '@medgrade/contracts';
import { MANIFEST_FILE, readVerifiedBundle, VisionLanguageModel, type BundleReader, type ModelRequest, type ModelResult, type SessionOptions } from '@medgrade/model-runtime';
import { DynamicBatcher } from '@medgrade/batching';
import type { InferenceMetrics } from './metrics.ts';

/** Which version of which organization's model. */
export interface ModelKey {
  orgId: string;
  name: string;
  version: string;
}

/** What the cache needs of a loaded model (VisionLanguageModel, or a fake in unit tests). */
export type ServableModel = Pick<VisionLanguageModel, 'manifest' | 'memoryBytes' | 'run' | 'release'>;

/** A loaded version with its batcher. */
export interface LoadedVersion {
  key: ModelKey;
  model: ServableModel;
  batcher: DynamicBatcher<ModelRequest, ModelResult>;
  loadedAt: number;
  loadMs: number;
}

export interface ModelCacheOptions {
  memoryBudgetBytes: number;
  maxBatchSize: number;
  maxQueueDelayMs: number;
  metrics: InferenceMetrics;
  load: (key: ModelKey) => Promise<ServableModel>;
}

export const keyString = (k: ModelKey): string => `${k.orgId}/${k.name}/${k.version}`;

/** A BundleReader over the object store prefix of one model version. */
export function storeBundleReader(store: ObjectStore, key: ModelKey): BundleReader {
  return {
    async read(path) {
      try {
        return await getBuffer(store, modelFileKey(key.orgId, key.name, key.version, path));
      } catch (e) {
        if (e instanceof ObjectNotFoundError) return undefined;
        throw e;
      }
    },
  };
}

/** The production loader: verify the bundle from the store, then create its sessions. */
export function storeLoader(store: ObjectStore, sessionOptions: SessionOptions): (key: ModelKey) => Promise<ServableModel> {
  return async (key) => {
    // A version that was never stored is a 404, not a corrupt bundle.
    await store.head(modelFileKey(key.orgId, key.name, key.version, MANIFEST_FILE)).catch((e: unknown) => {
      throw e instanceof ObjectNotFoundError ? new NotFoundError('Model version') : e;
    });
    return VisionLanguageModel.load(await readVerifiedBundle(storeBundleReader(store, key)), sessionOptions);
  };
}

export class ModelCache {
  readonly #options: ModelCacheOptions;
  readonly #loaded = new Map<string, LoadedVersion>();
  readonly #loading = new Map<string, Promise<LoadedVersion>>();

  constructor(options: ModelCacheOptions) {
    this.#options = options;
  }

  /** The version if it is loaded now (marked most recently used); undefined when it must load first. */
  loadedVersion(key: ModelKey, id = keyString(key)): LoadedVersion | undefined {
    const hit = this.#loaded.get(id);
    if (hit) {
      this.#loaded.delete(id);
      this.#loaded.set(id, hit);
    }
    return hit;
  }

  /** The loaded version, loading it first when needed; marks it most recently used. */
  async acquire(key: ModelKey): Promise<LoadedVersion> {
    const id = keyString(key);
    const hit = this.loadedVersion(key, id);
    if (hit) return hit;
    let loading = this.#loading.get(id);
    if (!loading) {
      loading = this.#load(key).finally(() => this.#loading.delete(id));
      this.#loading.set(id, loading);
    }
    return loading;
  }

  /** Run one request on a version through its batcher (retrying once if it was evicted meanwhile). */
  async submit(key: ModelKey, request: ModelRequest, signal?: AbortSignal): Promise<ModelResult> {
    return this.submitTo(await this.acquire(key), request, signal);
  }

  /** `submit` on a version already acquired (no second lookup per row). */
  async submitTo(entry: LoadedVersion, request: ModelRequest, signal?: AbortSignal): Promise<ModelResult> {
    try {
      return await entry.batcher.submit(request, signal);
    } catch (e) {
      if (entry.batcher.closed && !signal?.aborted) return (await this.acquire(entry.key)).batcher.submit(request, signal);
      throw e;
    }
  }

  async #load(key: ModelKey): Promise<LoadedVersion> {
    const started = performance.now();
    const { metrics } = this.#options;
    let model: ServableModel;
    try {
      model = await this.#options.load(key);
    } catch (e) {
      metrics.loads.inc({ outcome: 'error' });
      throw e;
    }
    metrics.loads.inc({ outcome: 'ok' });
    // This version's series, looked up once rather than by label on every request.
    const labels = { model: `${key.name}@${key.version}` };
    const batchSize = metrics.batchSize.labels(labels);
    const queueDepth = metrics.queueDepth.labels(labels);
    const batcher = new DynamicBatcher<ModelRequest, ModelResult>({
      maxBatchSize: this.#options.maxBatchSize,
      maxQueueDelayMs: this.#options.maxQueueDelayMs,
      run: (items, signal) => model.run(items, signal),
      onBatch: (n) => batchSize.observe(n),
      onQueueDepth: (d) => queueDepth.set(d),
    });
    const entry: LoadedVersion = { key, model, batcher, loadedAt: Date.now(), loadMs: performance.now() - started };
    this.#loaded.set(keyString(key), entry);
    await this.#evict(entry);
    this.#updateGauges();
    return entry;
  }

  async #evict(keep: LoadedVersion): Promise<void> {
    let total = this.loadedBytes;
    for (const entry of [...this.#loaded.values()]) {
      if (total <= this.#options.memoryBudgetBytes) return;
      if (entry === keep || entry.batcher.busy) continue;
      this.#loaded.delete(keyString(entry.key));
      total -= entry.model.memoryBytes;
      entry.batcher.close();
      await entry.model.release();
    }
  }

  #updateGauges(): void {
    this.#options.metrics.loadedModels.set(this.#loaded.size);
    this.#options.metrics.loadedBytes.set(this.loadedBytes);
  }

  get loadedBytes(): number {
    let total = 0;
    for (const e of this.#loaded.values()) total += e.model.memoryBytes;
    return total;
  }

  /** Loaded versions, least recently used first. */
  loaded(): LoadedVersion[] {
    return [...this.#loaded.values()];
  }

  isLoaded(key: ModelKey): boolean {
    return this.#loaded.has(keyString(key));
  }

  /** Release every loaded version (shutdown). */
  async close(): Promise<void> {
    await Promise.allSettled([...this.#loading.values()]);
    const entries = [...this.#loaded.values()];
    this.#loaded.clear();
    for (const e of entries) e.batcher.close();
    await Promise.all(entries.map((e) => e.model.release()));
    this.#updateGauges();
  }
}
