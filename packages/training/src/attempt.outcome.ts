// What an ended attempt does to its job. Retry budgets per cause: a preemption is retried without
// limit (with backoff, resuming from the last uploaded checkpoint), a node failure a few times
// (`nodeRetries`), bad input never (the job fails with the trainer's typed error code).
import type { FinetuneAttempt, FinetuneJob } from '@medgrade/db';
import type { AttemptStatus } from './executor.ts';
import type { FinetuneRepository } from './finetune.repository.ts';

export interface RetrySettings {
  nodeRetries: number;
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
}

/** Backoff before retry `k` (1-based): base doubled per retry, capped. */
export function backoffMs(settings: RetrySettings, k: number): number {
  return Math.min(settings.retryBackoffMaxMs, settings.retryBackoffMs * 2 ** Math.max(0, k - 1));
}

const RELEASE = { leaseOwner: null, leaseExpiresAt: null, preemptRequestedAt: null };

async function inputError(repo: FinetuneRepository, attempt: FinetuneAttempt): Promise<{ code: string; message: string }> {
  const event = await repo.prisma.finetuneEvent.findFirst({ where: { jobId: attempt.jobId, attempt: attempt.n, type: 'error' }, orderBy: { seq: 'desc' } });
  const data = (event?.data ?? {}) as { code?: string; message?: string };
  return { code: data.code ?? 'INPUT_INVALID', message: data.message ?? 'the trainer refused its input' };
}

/** Records the attempt's end and moves its job on. Idempotent: a job no longer running is left alone. */
export async function endAttempt(repo: FinetuneRepository, job: FinetuneJob, attempt: FinetuneAttempt, status: AttemptStatus, settings: RetrySettings, now: Date): Promise<void> {
  const stopped = status.state === 'stopped' ? status : null;
  const cause = status.state === 'succeeded' ? null : stopped ? stopped.cause : 'node';
  const reason = stopped ? stopped.reason : status.state === 'lost' ? 'the scheduler no longer knows the attempt' : undefined;
  await repo.setAttempt(attempt.id, { endedAt: attempt.endedAt ?? now, cause, exitCode: stopped?.exitCode ?? (status.state === 'succeeded' ? 0 : null) });
  const ended = { type: 'attempt.ended', attempt: attempt.n, data: { n: attempt.n, cause, ...(reason ? { reason } : {}), endedAt: now.toISOString() } };
  if (status.state === 'succeeded') {
    await repo.transition(job.id, ['running'], 'evaluating', { preemptRequestedAt: null }, {}, [ended]);
  } else if (job.cancelRequestedAt || cause === 'cancelled') {
    await repo.transition(job.id, ['running'], 'cancelled', RELEASE, {}, [ended]);
  } else if (cause === 'preempted') {
    const k = job.preemptions + 1;
    await repo.transition(job.id, ['running'], 'preempted', { ...RELEASE, preemptions: k, notBefore: new Date(now.getTime() + backoffMs(settings, k)) }, { resumeFromStep: job.lastCheckpointStep }, [ended]);
  } else if (cause === 'input') {
    const error = await inputError(repo, attempt);
    await repo.transition(job.id, ['running'], 'failed', { ...RELEASE, errorCode: error.code, errorMessage: error.message }, { errorCode: error.code }, [ended]);
  } else if (job.nodeFailures + 1 > settings.nodeRetries) {
    const message = `the trainer failed on ${job.nodeFailures + 1} attempts (${reason ?? 'node failure'}); see the attempts' logs`;
    await repo.transition(job.id, ['running'], 'failed', { ...RELEASE, nodeFailures: job.nodeFailures + 1, errorCode: 'NODE_FAILURES', errorMessage: message }, { errorCode: 'NODE_FAILURES' }, [ended]);
  } else {
    const k = job.nodeFailures + 1;
    await repo.transition(job.id, ['running'], 'queued', { ...RELEASE, nodeFailures: k, notBefore: new Date(now.getTime() + backoffMs(settings, k)) }, { reason: 'node failure', resumeFromStep: job.lastCheckpointStep }, [ended]);
  }
}
