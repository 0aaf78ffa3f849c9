// A job's work that meets an unreachable object store or database (isDependencyOutage: refused
// sockets, S3 5xx and throttling, Prisma's connection errors) has not failed: the orchestrator
// tries it again after a backoff, and fails the job only once the outage has lasted longer than
// `outageWaitSeconds`. Any other error is the work's own and the caller counts it as before.
// Per orchestrator process: an orchestrator that takes a job over starts the job's clock afresh.
import { isDependencyOutage } from '@medgrade/contracts';
import { backoffMs, type RetrySettings } from './attempt.outcome.ts';

export interface OutageSettings extends RetrySettings {
  outageWaitSeconds: number;
}

/** What to do with a job's failed step: count it (`failure`), try again later (`wait`), or fail the job (`exceeded`). */
export type OutageVerdict = { kind: 'failure' } | { kind: 'wait'; retryInMs: number } | { kind: 'exceeded'; message: string };

export class OutageWaits {
  readonly #settings: OutageSettings;
  readonly #jobs = new Map<string, { since: number; tries: number; retryAt: number }>();

  constructor(settings: OutageSettings) {
    this.#settings = settings;
  }

  /** False while the job waits out its backoff after an outage. */
  due(jobId: string, now: number): boolean {
    return (this.#jobs.get(jobId)?.retryAt ?? 0) <= now;
  }

  /** Classifies a failed step of `jobId` and starts or advances its wait. */
  record(jobId: string, error: unknown, now: number): OutageVerdict {
    if (!isDependencyOutage(error)) {
      this.#jobs.delete(jobId);
      return { kind: 'failure' };
    }
    const wait = this.#jobs.get(jobId) ?? { since: now, tries: 0, retryAt: now };
    const waitedS = Math.round((now - wait.since) / 1000);
    if (waitedS >= this.#settings.outageWaitSeconds) {
      this.#jobs.delete(jobId);
      const message = `the object store or database stayed unreachable for ${waitedS} s, longer than the ${this.#settings.outageWaitSeconds} s a job waits out an outage: ${(error as Error).message}`;
      return { kind: 'exceeded', message };
    }
    wait.tries += 1;
    const retryInMs = backoffMs(this.#settings, wait.tries);
    wait.retryAt = now + retryInMs;
    this.#jobs.set(jobId, wait);
    return { kind: 'wait', retryInMs };
  }

  /** The job's step succeeded: a later outage starts a new wait. */
  clear(jobId: string): void {
    this.#jobs.delete(jobId);
  }
}
