// Bytes of uploads in flight, per API key and per process. The request rate limit counts requests,
// not bytes: one upload can hold the file being read and two batches being stored (about
// 3 x INGEST_MAX_INSTANCE_BYTES), so a key with a few large uploads at once could exhaust the
// process. Each upload reserves its declared size (Content-Length, capped at what one request can
// hold; a chunked upload of unknown size reserves the cap) before its body is read, and releases it
// when the response ends. A reservation that does not fit is refused at once (429 + Retry-After),
// never queued: the body is not read, so a refused upload costs nothing. A reservation larger
// than a whole budget is admitted alone (when nothing else of that key or process is in flight),
// so the largest legal upload always gets through eventually.

/** Why a reservation was refused. */
export type BudgetRefusal = 'KEY_BYTES_IN_FLIGHT' | 'PROCESS_BYTES_IN_FLIGHT';

/** A counting budget of bytes in flight, per key and in total. */
export class ByteBudget {
  readonly #perKey: number;
  readonly #perProcess: number;
  readonly #byKey = new Map<string, number>();
  #total = 0;

  constructor(perKeyBytes: number, perProcessBytes: number) {
    this.#perKey = perKeyBytes;
    this.#perProcess = perProcessBytes;
  }

  /** Bytes reserved now, all keys together. */
  get inFlight(): number {
    return this.#total;
  }

  /** Reserves `bytes` for `key` and returns its (idempotent) release, or why it does not fit. */
  tryReserve(key: string, bytes: number): { release: () => void } | { refused: BudgetRefusal; max: number } {
    const held = this.#byKey.get(key) ?? 0;
    if (held > 0 && held + bytes > this.#perKey) return { refused: 'KEY_BYTES_IN_FLIGHT', max: this.#perKey };
    if (this.#total > 0 && this.#total + bytes > this.#perProcess) return { refused: 'PROCESS_BYTES_IN_FLIGHT', max: this.#perProcess };
    this.#byKey.set(key, held + bytes);
    this.#total += bytes;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.#total -= bytes;
        const left = (this.#byKey.get(key) ?? 0) - bytes;
        if (left > 0) this.#byKey.set(key, left);
        else this.#byKey.delete(key);
      },
    };
  }
}
