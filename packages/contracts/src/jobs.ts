import { z } from 'zod';

// One job catalog (STYLE.md 7): each job's name, queue, payload schema and retry policy live
// here, so producers and workers agree by construction. Payloads carry ids, never PHI (8).

export interface RetryPolicy {
  attempts: number;
  backoff: { type: 'exponential' | 'fixed'; delayMs: number };
}

export interface JobDefinition<Name extends string = string, Payload extends z.ZodType = z.ZodType> {
  name: Name;
  queue: string;
  payload: Payload;
  retry: RetryPolicy;
  /** Deduplication id (`${entity}-${id}`, no ':'), so a double submit is one job. */
  jobId: (payload: z.infer<Payload>) => string;
}

/** Every payload carries the request id that caused it, for log correlation. */
export const JobPayloadBase = z.object({ requestId: z.string().min(1) });

/** Define a catalog entry with its types preserved. */
export function defineJob<Name extends string, Payload extends z.ZodType>(def: JobDefinition<Name, Payload>): JobDefinition<Name, Payload> {
  if (def.queue.includes(':')) throw new Error(`queue name ${def.queue} must not contain ':'`);
  return def;
}

/**
 * The catalog: add each job here (e.g. `InstanceDeidentify: defineJob({...})`).
 * Keys are the job names (Entity+Verb).
 */
export const JOB_CATALOG = {
  /** De-identify one uploaded instance (services/deid-worker); enqueued once its row and raw object exist. */
  InstanceDeidentify: defineJob({
    name: 'InstanceDeidentify',
    queue: 'deidentify',
    payload: JobPayloadBase.extend({ instanceId: z.uuid() }),
    retry: { attempts: 5, backoff: { type: 'exponential', delayMs: 1000 } },
    jobId: (p) => `instance-${p.instanceId}`,
  }),
} satisfies Record<string, JobDefinition>;

export type JobCatalog = typeof JOB_CATALOG;
export type JobName = keyof JobCatalog;
