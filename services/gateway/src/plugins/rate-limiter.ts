import type { Redis } from 'ioredis';

// Fixed-window request counting per API key, shared through Redis by every gateway process but
// without a Redis round trip per request: each process counts locally and flushes its increments
// with one pipelined INCRBY per key every `flushMs`, learning the global count in return. A key's
// count is therefore exact within a process and at most `flushMs` stale across processes, which
// bounds overshoot to what other processes admit in one flush interval.

interface KeyWindow {
  window: number;
  /** Global count Redis returned at the last flush (includes our flushed requests). */
  global: number;
  /** Requests admitted here and not yet sent to Redis. */
  pending: number;
  /** Requests sent by a flush whose reply has not arrived yet. */
  inflight: number;
}

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  resetSeconds: number;
}

export class RateLimiter {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #max: number;
  readonly #windowMs: number;
  readonly #keys = new Map<string, KeyWindow>();
  readonly #timer: NodeJS.Timeout;
  #flushing: Promise<void> = Promise.resolve();
  #latestWindow = 0;

  constructor(redis: Redis, options: { prefix: string; max: number; windowMs: number; flushMs?: number; onError: (error: unknown) => void }) {
    this.#redis = redis;
    this.#prefix = options.prefix;
    this.#max = options.max;
    this.#windowMs = options.windowMs;
    this.#timer = setInterval(() => {
      this.#flushing = this.flush().catch(options.onError);
    }, options.flushMs ?? 50);
    this.#timer.unref();
  }

  /** Count one request of `keyId` and decide. */
  hit(keyId: string, now = Date.now()): RateDecision {
    const { state, decision } = this.#decide(keyId, now);
    if (decision.allowed) state.pending++;
    return decision;
  }

  /** Whether one more request of `keyId` would be allowed, without counting it. */
  peek(keyId: string, now = Date.now()): RateDecision {
    return this.#decide(keyId, now).decision;
  }

  #decide(keyId: string, now: number): { state: KeyWindow; decision: RateDecision } {
    const window = Math.floor(now / this.#windowMs);
    this.#latestWindow = Math.max(this.#latestWindow, window);
    let state = this.#keys.get(keyId);
    if (!state || state.window !== window) {
      state = { window, global: 0, pending: 0, inflight: 0 };
      this.#keys.set(keyId, state);
    }
    const count = state.global + state.inflight + state.pending + 1;
    const resetSeconds = Math.ceil(((window + 1) * this.#windowMs - now) / 1000);
    if (count > this.#max) return { state, decision: { allowed: false, limit: this.#max, remaining: 0, resetSeconds } };
    return { state, decision: { allowed: true, limit: this.#max, remaining: this.#max - count, resetSeconds } };
  }

  /** Push pending counts to Redis and pull the global ones (runs on a timer; call to force). */
  async flush(): Promise<void> {
    const batch = [...this.#keys].filter(([, s]) => s.pending > 0).map(([keyId, s]) => ({ keyId, state: s, sent: s.pending, window: s.window }));
    if (batch.length === 0) return;
    const pipeline = this.#redis.pipeline();
    for (const { keyId, sent, window } of batch) {
      const key = `${this.#prefix}:${keyId}:${window}`;
      pipeline.incrby(key, sent).pexpire(key, this.#windowMs * 2);
    }
    for (const b of batch) {
      b.state.pending -= b.sent;
      b.state.inflight += b.sent;
    }
    const results = await pipeline.exec().catch((error: unknown) => {
      for (const b of batch) b.state.inflight -= b.sent;
      for (const b of batch) b.state.pending += b.sent; // retried on the next flush
      throw error;
    });
    let failure: unknown;
    batch.forEach((b, i) => {
      const [error, total] = results?.[i * 2] ?? [new Error('no reply')];
      b.state.inflight -= b.sent;
      if (error) {
        b.state.pending += b.sent;
        failure ??= error;
      } else if (b.state.window === b.window) {
        b.state.global = Math.max(b.state.global, Number(total));
      }
    });
    for (const [keyId, s] of this.#keys) if (s.pending === 0 && s.inflight === 0 && s.window < this.#latestWindow) this.#keys.delete(keyId);
    if (failure) throw failure;
  }

  /** Stop the timer and flush what is left. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#flushing;
    await this.flush();
  }
}
