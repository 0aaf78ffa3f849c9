// Admission by de-identification backlog. The gateway accepts uploads faster than the workers
// de-identify them (measured: about 30 instances/s accepted against 8/s de-identified on two
// cores), and every instance waiting is a raw object in quarantine and a job in Redis. Beyond
// INGEST_MAX_ORG_BACKLOG instances of one organization its uploads are refused (429), beyond
// INGEST_MAX_BACKLOG of all organizations every upload is (503), each with Retry-After, before the
// body is read, until the workers catch up. Nothing already accepted is touched.
//
// The backlog is read from the queue (two Redis reads) at most once per refresh interval, in the
// background: a request never waits for Redis here, and the limit is soft by what one interval
// admits. A reading older than STALE_AFTER intervals (Redis unreachable) admits everything: the
// upload path then meets the outage itself and answers 503 there, and a stale "full" never
// outlives the outage.
import type { Backlog } from '@medgrade/queue';

/** Why an upload is refused: the organization's backlog or the platform's. */
export type BacklogRefusal = 'ORG_INGEST_BACKLOG' | 'INGEST_BACKLOG';

export interface BacklogLimits {
  maxTotal: number;
  maxPerOrg: number;
  /** Least time between two reads of the queue. */
  refreshMs: number;
}

const STALE_AFTER = 10;

/** The last reading of the de-identification backlog and the admission decision on it. */
export class BacklogGauge {
  readonly #read: () => Promise<Backlog>;
  readonly #limits: BacklogLimits;
  readonly #now: () => number;
  readonly #onError: (error: unknown) => void;
  #last: { at: number; backlog: Backlog } | undefined;
  #pending: Promise<void> | undefined;
  #askedAt = -Infinity;

  constructor(read: () => Promise<Backlog>, limits: BacklogLimits, options: { now?: () => number; onError?: (error: unknown) => void } = {}) {
    this.#read = read;
    this.#limits = limits;
    this.#now = options.now ?? Date.now;
    this.#onError = options.onError ?? (() => {});
  }

  /** Starts a read when the last one is older than the refresh interval; resolves when it ends. */
  refresh(): Promise<void> {
    const now = this.#now();
    if (this.#pending || now - this.#askedAt < this.#limits.refreshMs) return this.#pending ?? Promise.resolve();
    this.#askedAt = now;
    this.#pending = this.#read()
      .then((backlog) => void (this.#last = { at: this.#now(), backlog }))
      .catch(this.#onError)
      .finally(() => (this.#pending = undefined));
    return this.#pending;
  }

  /** Whether an upload of `orgId` is admitted now, from the last reading (and asks for a fresher one). */
  check(orgId: string): { refused: BacklogRefusal; max: number } | undefined {
    void this.refresh();
    const last = this.#last;
    if (!last || this.#now() - last.at > STALE_AFTER * this.#limits.refreshMs) return undefined;
    if ((last.backlog.byFairKey.get(orgId) ?? 0) >= this.#limits.maxPerOrg) return { refused: 'ORG_INGEST_BACKLOG', max: this.#limits.maxPerOrg };
    if (last.backlog.total >= this.#limits.maxTotal) return { refused: 'INGEST_BACKLOG', max: this.#limits.maxTotal };
    return undefined;
  }
}
