// Retries with exponential backoff on 429 and 503, honouring Retry-After (seconds or an HTTP
// date), as a fetch wrapper the generated client calls. Only requests whose body can be sent
// again cheaply are retried here (none, or JSON/text): a multipart or binary body would have to
// be buffered whole to be replayed, so the upload helpers retry those themselves from the file.

/** How many times and how long to retry a 429/503. */
export interface RetryPolicy {
  /** Attempts in all, the first included (default 4; 1 disables retries). */
  attempts: number;
  /** First backoff in ms, doubled each time with ±20 % jitter (default 500). */
  baseDelayMs: number;
  /** Longest wait between attempts, whatever Retry-After says (default 30 000). */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 500, maxDelayMs: 30_000 };
const RETRY_STATUS = new Set([429, 503]);

/** Milliseconds a Retry-After header asks for, or null when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (!header) return null;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** The wait before attempt `attempt + 1` (attempt counts from 1). */
export function backoffMs(policy: RetryPolicy, attempt: number, retryAfter: number | null, random = Math.random): number {
  const exponential = policy.baseDelayMs * 2 ** (attempt - 1) * (0.8 + 0.4 * random());
  return Math.min(policy.maxDelayMs, Math.max(retryAfter ?? 0, exponential));
}

/** Whether a 429/503 answer should be tried again. */
export function shouldRetry(status: number, attempt: number, policy: RetryPolicy): boolean {
  return RETRY_STATUS.has(status) && attempt < policy.attempts;
}

/** Wait `ms`, or reject with the signal's reason as soon as it aborts (also when it already has). */
export function sleep(ms: number, signal?: AbortSignal | null): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });
}

function replayable(request: Request): boolean {
  if (request.body === null) return true;
  const type = request.headers.get('content-type') ?? '';
  return type.includes('json') || type.startsWith('text/');
}

/** A fetch that retries 429/503 answers by `policy`. */
export function retryingFetch(inner: typeof fetch, policy: RetryPolicy): (request: Request) => Promise<Response> {
  return async (request) => {
    if (!replayable(request) || policy.attempts <= 1) return inner(request);
    for (let attempt = 1; ; attempt++) {
      const response = await inner(request.clone());
      if (!shouldRetry(response.status, attempt, policy)) return response;
      await response.body?.cancel();
      await sleep(backoffMs(policy, attempt, retryAfterMs(response.headers.get('retry-after'))), request.signal);
    }
  };
}
