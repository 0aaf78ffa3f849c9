// Key prefixes recently found to have no key: a caller cycling random tokens then costs the
// database one read per prefix per TTL, not one per request. Bounded (least recently seen goes
// first), so a flood of distinct prefixes cannot grow the process.

/** A bounded set of strings that forgets each one `ttlMs` after it was added. */
export class ExpiringSet {
  readonly #until = new Map<string, number>();
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #now: () => number;

  constructor(options: { ttlMs: number; max: number; now?: () => number }) {
    this.#ttlMs = options.ttlMs;
    this.#max = options.max;
    this.#now = options.now ?? Date.now;
  }

  has(value: string): boolean {
    const until = this.#until.get(value);
    if (until === undefined) return false;
    if (until > this.#now()) return true;
    this.#until.delete(value);
    return false;
  }

  add(value: string): void {
    if (this.#ttlMs <= 0 || this.#max <= 0) return;
    // Map order is insertion order: re-inserting moves the value last, so the first is the oldest.
    this.#until.delete(value);
    this.#until.set(value, this.#now() + this.#ttlMs);
    if (this.#until.size > this.#max) this.#until.delete(this.#until.keys().next().value!);
  }

  delete(value: string): void {
    this.#until.delete(value);
  }

  get size(): number {
    return this.#until.size;
  }
}
