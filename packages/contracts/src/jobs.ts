import { z } from 'zod';

// One job catalog (STYLE.md 7): each job's name, queue, payload schema and retry policy live
// here, so producers and workers agree by construction. Payloads carry ids, never PHI (8).

export interface RetryPolicy {
  attempts: number;
  backoff: { type: 'exponential' | 'fixed'; delayMs: number };
}

export interface JobDefinition<Name extends string = string, Payload extends z.ZodType = z.ZodType, Queue extends string = string> {
  name: Name;
  /** Kept as its literal type, so a worker's handler table is checked against its own queue. */
  queue: Queue;
  payload: Payload;
  retry: RetryPolicy;
  /** Deduplication id (`${entity}-${id}`, no ':'), so a double submit is one job. */
  jobId: (payload: z.infer<Payload>) => string;
}

/** Every payload carries the request id that caused it, for log correlation. */
export const JobPayloadBase = z.object({ requestId: z.string().min(1) });

/** Define a catalog entry with its types preserved. */
export function defineJob<const Name extends string, Payload extends z.ZodType, const Queue extends string>(def: JobDefinition<Name, Payload, Queue>): JobDefinition<Name, Payload, Queue> {
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
    // rawBytes: the raw object's size, so the worker reserves memory before reading it (absent on
    // reconciler re-enqueues, where the worker asks the object store).
    payload: JobPayloadBase.extend({ instanceId: z.uuid(), rawBytes: z.number().int().nonnegative().optional() }),
    retry: { attempts: 5, backoff: { type: 'exponential', delayMs: 1000 } },
    jobId: (p) => `instance-${p.instanceId}`,
  }),
  /**
   * Run one accepted asynchronous inference (`POST /v1/inferences` without `wait`; served by the
   * gateway's inference worker). Everything else it needs is on the Inference row. Backoff covers
   * an inference service that is down or restarting (about 2 + 4 + 8 + 16 + 32 s); bad input fails at once.
   */
  InferenceRun: defineJob({
    name: 'InferenceRun',
    queue: 'inference',
    payload: JobPayloadBase.extend({ inferenceId: z.uuid() }),
    retry: { attempts: 6, backoff: { type: 'exponential', delayMs: 2000 } },
    jobId: (p) => `inference-${p.inferenceId}`,
  }),
  /** POST the signed result of a finished inference to its webhook URL, with its own bounded retries. */
  InferenceWebhookDeliver: defineJob({
    name: 'InferenceWebhookDeliver',
    queue: 'inference',
    payload: JobPayloadBase.extend({ inferenceId: z.uuid() }),
    retry: { attempts: 5, backoff: { type: 'exponential', delayMs: 1000 } },
    jobId: (p) => `inference-webhook-${p.inferenceId}`,
  }),
} satisfies Record<string, JobDefinition>;
