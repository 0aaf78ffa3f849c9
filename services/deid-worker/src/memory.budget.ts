// Bounds the bytes the worker's concurrent jobs hold at once. Concurrency alone cannot: a job holds
// its whole instance (raw bytes, the parsed dataset over them, the de-identified output), and one
// instance may be 1 KB or 512 MB. Each job reserves an estimate before it reads its raw object and
// waits while the budget is spent; an instance larger than the whole budget runs alone.

/** Peak bytes a job holds per raw byte: the raw buffer, the output buffer and working copies. */
export const JOB_BYTES_PER_RAW_BYTE = 3;

/** A counting semaphore over bytes, first come first served. */
export class MemoryBudget {
  readonly #capacity: number;
  #inUse = 0;
  readonly #waiting: { bytes: number; grant: () => void }[] = [];

  constructor(capacityBytes: number) {
    if (!(capacityBytes > 0)) throw new RangeError('memory budget must be a positive number of bytes');
    this.#capacity = capacityBytes;
  }

  /** Bytes reserved now. */
  get inUse(): number {
    return this.#inUse;
  }

  /** Waits until `bytes` fit (capped at the whole budget), reserves them and returns their release. */
  async reserve(bytes: number): Promise<() => void> {
    const amount = Math.min(Math.max(0, bytes), this.#capacity);
    // Waiters are served in order, so a large reservation is not starved by a stream of small ones.
    if (this.#waiting.length > 0 || !this.#fits(amount)) {
      await new Promise<void>((grant) => this.#waiting.push({ bytes: amount, grant }));
    } else {
      this.#inUse += amount;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#inUse -= amount;
      this.#grantWaiting();
    };
  }

  #fits(amount: number): boolean {
    return this.#inUse === 0 || this.#inUse + amount <= this.#capacity;
  }

  #grantWaiting(): void {
    while (this.#waiting.length > 0 && this.#fits(this.#waiting[0]!.bytes)) {
      const next = this.#waiting.shift()!;
      this.#inUse += next.bytes;
      next.grant();
    }
  }
}
