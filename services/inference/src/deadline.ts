// Per-request deadline and cancellation: the signal aborts on timeout (TimeoutError) or when the
// client goes away, so queued work is dropped instead of computed for nobody.
import { TimeoutError } from '@medgrade/contracts';
import type { FastifyReply } from 'fastify';

/** An AbortSignal for this request; call `done` when the response is ready. */
export function requestDeadline(reply: FastifyReply, timeoutMs: number): { signal: AbortSignal; done: () => void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new TimeoutError(`inference did not finish within ${timeoutMs} ms`)), timeoutMs);
  const onClose = (): void => {
    if (!reply.raw.writableFinished) controller.abort(new Error('client closed the connection'));
  };
  reply.raw.once('close', onClose);
  return {
    signal: controller.signal,
    done: () => {
      clearTimeout(timer);
      reply.raw.off('close', onClose);
    },
  };
}

/** Resolves like `promise`, or rejects with the signal's reason as soon as it aborts. */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
