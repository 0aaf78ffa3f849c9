// Dynamic batching, like Triton's `dynamic_batching`: requests queue; a batch is
// dispatched as soon as `maxBatchSize` are waiting or the oldest has waited `maxQueueDelayMs`.
// With `maxQueueDelayMs` 0 an idle model runs a request at once (no added latency at low load).
// One batch runs at a time per batcher, and requests that arrive meanwhile form the next batch,
// which is where batching wins under load. Used per model by services/inference (onnxruntime
// already uses the CPU threads it is given) and for the deid-worker's READY commits (one
// transaction for the instances that finished while the previous one committed).
// A request whose signal aborts while queued leaves the queue and rejects at once; one that
// aborts mid-batch rejects at once and its row's result is dropped.

export interface BatcherOptions<I, O> {
  maxBatchSize: number;
  maxQueueDelayMs: number;
  run: (items: I[], signal: AbortSignal) => Promise<O[]>;
  /** Called with every dispatched batch size (metrics). */
  onBatch?: (size: number) => void;
  /** Called whenever the number of queued requests changes (metrics). */
  onQueueDepth?: (depth: number) => void;
}

interface Pending<I, O> {
  item: I;
  signal: AbortSignal | undefined;
  resolve: (value: O) => void;
  reject: (error: unknown) => void;
  onAbort: () => void;
}

/** Groups concurrent `submit` calls into batches (a model's runs, the worker's READY commits). */
export class DynamicBatcher<I, O> {
  readonly #options: BatcherOptions<I, O>;
  #queue: Pending<I, O>[] = [];
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #closed = false;

  constructor(options: BatcherOptions<I, O>) {
    if (options.maxBatchSize < 1) throw new Error('maxBatchSize must be at least 1');
    this.#options = options;
  }

  get queueDepth(): number {
    return this.#queue.length;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get busy(): boolean {
    return this.#running || this.#queue.length > 0;
  }

  /** Queue one item; resolves with its result from whichever batch runs it. */
  submit(item: I, signal?: AbortSignal): Promise<O> {
    if (this.#closed) return Promise.reject(new Error('batcher is closed'));
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<O>((resolve, reject) => {
      const pending: Pending<I, O> = { item, signal, resolve, reject, onAbort: () => this.#cancel(pending) };
      signal?.addEventListener('abort', pending.onAbort, { once: true });
      this.#queue.push(pending);
      this.#depthChanged();
      this.#schedule();
    });
  }

  #cancel(p: Pending<I, O>): void {
    const i = this.#queue.indexOf(p);
    if (i >= 0) {
      this.#queue.splice(i, 1);
      this.#depthChanged();
    }
    p.reject(p.signal?.reason);
  }

  #depthChanged(): void {
    this.#options.onQueueDepth?.(this.#queue.length);
  }

  #schedule(): void {
    if (this.#running || this.#queue.length === 0) return;
    if (this.#queue.length >= this.#options.maxBatchSize || this.#options.maxQueueDelayMs === 0) {
      this.#dispatch();
      return;
    }
    this.#timer ??= setTimeout(() => this.#dispatch(), this.#options.maxQueueDelayMs);
  }

  #dispatch(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#running || this.#queue.length === 0) return;
    const batch = this.#queue.splice(0, this.#options.maxBatchSize);
    this.#depthChanged();
    this.#running = true;
    void this.#runBatch(batch).finally(() => {
      this.#running = false;
      // Requests that queued while this batch ran go now: they have already waited.
      if (this.#queue.length > 0) this.#dispatch();
    });
  }

  async #runBatch(batch: Pending<I, O>[]): Promise<void> {
    const controller = new AbortController();
    const abortIfAll = (): void => {
      if (batch.every((p) => p.signal?.aborted)) controller.abort(new Error('every request of the batch was cancelled'));
    };
    for (const p of batch) p.signal?.addEventListener('abort', abortIfAll, { once: true });
    this.#options.onBatch?.(batch.length);
    try {
      const results = await this.#options.run(batch.map((p) => p.item), controller.signal);
      batch.forEach((p, i) => p.resolve(results[i] as O));
    } catch (e) {
      for (const p of batch) p.reject(e);
    } finally {
      for (const p of batch) {
        p.signal?.removeEventListener('abort', p.onAbort);
        p.signal?.removeEventListener('abort', abortIfAll);
      }
    }
  }

  /** Reject queued requests and refuse new ones; a running batch finishes. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    const queued = this.#queue.splice(0);
    this.#depthChanged();
    for (const p of queued) p.reject(new Error('model was unloaded'));
  }
}
