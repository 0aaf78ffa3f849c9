// The shape of one job-catalog entry as the queue package needs it. packages/contracts holds
// the catalog itself; this interface is structural so the queue does not depend on zod's types.

/** A schema that parses an unknown payload (a zod schema satisfies it). */
export interface PayloadSchema<P> {
  safeParse(data: unknown): { success: true; data: P } | { success: false; error: { message: string } };
}

/** One job in the catalog (the shape of contracts' JobDefinition): queue, payload, retries, dedupe. */
export interface JobSpec<P> {
  /** BullMQ queue that serves the job. */
  queue: string;
  /** Payloads carry ids only (never PHI); parsed before any work. */
  payload: PayloadSchema<P>;
  /** Total attempts including the first; delayMs is the first retry delay (doubles when exponential). */
  retry: { attempts: number; backoff: { type: 'exponential' | 'fixed'; delayMs: number } };
  /** `${entity}-${id}` so a second enqueue of the same work is the same job (no ':' allowed). */
  jobId(payload: P): string;
}

/** Name → spec. */
export type JobCatalog = Record<string, JobSpec<unknown>>;

/** The payload type of a catalog entry. */
export type PayloadOf<S> = S extends JobSpec<infer P> ? P : never;
