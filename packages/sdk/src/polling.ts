// Polling an upload until every instance is final, and an asynchronous inference until it ends.
import type { Medgrade } from './client.ts';
import type { Inference, UploadStatus } from './generated/types.gen.ts';
import { sleep } from './retry.ts';

/** Instance states that never change again. */
export const FINAL_INSTANCE_STATES = ['READY', 'REJECTED', 'FAILED'] as const;
/** Inference states that never change again. */
export const FINAL_INFERENCE_STATES = ['succeeded', 'failed'] as const;

export interface PollOptions {
  /** Between polls, ms (default 500, growing by half to `maxIntervalMs`). */
  intervalMs?: number;
  /** Longest interval between polls (default 5000). */
  maxIntervalMs?: number;
  /** Give up after this many ms (default 10 minutes); throws PollTimeoutError. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Called with each state read (progress displays). */
  onPoll?: (state: UploadStatus | Inference) => void;
}

/** Thrown when a poll gives up; `last` is the last state read. */
export class PollTimeoutError<T> extends Error {
  readonly last: T;
  constructor(what: string, timeoutMs: number, last: T) {
    super(`${what} not final after ${timeoutMs} ms`);
    this.name = 'PollTimeoutError';
    this.last = last;
  }
}

async function poll<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, options: PollOptions): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 600_000;
  const deadline = Date.now() + timeoutMs;
  let interval = options.intervalMs ?? 500;
  for (;;) {
    const value = await read();
    options.onPoll?.(value as UploadStatus | Inference);
    if (done(value)) return value;
    if (Date.now() + interval > deadline) throw new PollTimeoutError(what, timeoutMs, value);
    await sleep(interval, options.signal);
    interval = Math.min(options.maxIntervalMs ?? 5000, Math.round(interval * 1.5));
  }
}

/** True when every instance of the upload is READY, REJECTED or FAILED. */
export function uploadIsFinal(status: UploadStatus): boolean {
  return status.instances.every((i) => (FINAL_INSTANCE_STATES as readonly string[]).includes(i.status));
}

/** Poll GET /v1/uploads/{id} until every instance is final; returns the final status. */
export function waitForUpload(api: Medgrade, uploadId: string, options: PollOptions = {}): Promise<UploadStatus> {
  const read = async () => (await api.uploads.get({ path: { id: uploadId }, signal: options.signal ?? null })).data;
  return poll(`Upload ${uploadId}`, read, uploadIsFinal, options);
}

/** Poll GET /v1/inferences/{id} until it succeeded or failed; returns it. */
export function waitForInference(api: Medgrade, inferenceId: string, options: PollOptions = {}): Promise<Inference> {
  const read = async () => (await api.inferences.get({ path: { id: inferenceId }, signal: options.signal ?? null })).data;
  return poll(`Inference ${inferenceId}`, read, (i) => (FINAL_INFERENCE_STATES as readonly string[]).includes(i.status), options);
}
