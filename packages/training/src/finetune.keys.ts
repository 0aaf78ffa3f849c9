// The object-store layout of fine-tuning jobs: the one module that builds these keys (STYLE.md
// 18). The orchestrator passes every key to the trainer's attempt runner in its spec, so the
// Python side never spells a prefix; the evaluator writes under `evaluation`.
//
//   finetune/<orgId>/<jobId>/checkpoints/step-<n>.pt        (uploaded before the event says so)
//   finetune/<orgId>/<jobId>/model.pt                        (final weights of the training run)
//   finetune/<orgId>/<jobId>/attempts/<n>/events/<chunk>.jsonl
//   finetune/<orgId>/<jobId>/attempts/<n>/log/<chunk>.log
//   finetune/<orgId>/<jobId>/evaluation/...

export interface AttemptKeys {
  prefix: string;
  /** Immutable numbered chunks of event lines (S3 has no append). */
  events: string;
  /** Immutable numbered chunks of the attempt's own log. */
  log: string;
}

export interface FinetuneKeys {
  prefix: string;
  checkpoints: string;
  model: string;
  evaluation: string;
  attempt(n: number): AttemptKeys;
}

/** Object keys of one fine-tuning job (ids are UUIDs, so every key is store-safe). */
export function finetuneKeys(orgId: string, jobId: string): FinetuneKeys {
  const prefix = `finetune/${orgId}/${jobId}/`;
  return {
    prefix,
    checkpoints: `${prefix}checkpoints/`,
    model: `${prefix}model.pt`,
    evaluation: `${prefix}evaluation/`,
    attempt: (n) => {
      const attempt = `${prefix}attempts/${n}/`;
      return { prefix: attempt, events: `${attempt}events/`, log: `${attempt}log/` };
    },
  };
}

/** The chunk number of an event or log chunk key (`.../00000012.jsonl` → 12), or null. */
export function chunkNumber(key: string): number | null {
  const match = /\/(\d{8})\.(jsonl|log)$/.exec(key);
  return match ? Number(match[1]) : null;
}
