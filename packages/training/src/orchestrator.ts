// The training orchestrator's loop (services/training-orchestrator composes it). Each pass:
//  1. take or renew the lease of every active job that is ours or whose holder died;
//  2. work each one: validate it (CPU, before any GPU time), follow its running attempt through
//     the object store and the executor, or evaluate its trained weights;
//  3. admit waiting jobs to node pools (admission.ts), start their attempts, signal preemptions.
// An unreachable object store or database is waited out (outage.wait.ts): validation, submission
// and evaluation are tried again after a backoff, not counted as failures, until the outage has
// lasted `outageWaitSeconds`.
// State lives only in Postgres and the object store: an orchestrator SIGKILLed at any point is
// replaced by the next one to take the lapsed leases, which picks up where the rows say.
import { join } from 'node:path';
import type { FinetuneJob, NodePool } from '@medgrade/db';
import type { ObjectStore } from '@medgrade/storage';
import { admit } from './admission.ts';
import { buildAttemptSpec, type TrainerRuntime } from './attempt.spec.ts';
import { followAttempt } from './attempt.follower.ts';
import type { CandidateEvaluator } from './evaluation/evaluator.ts';
import type { Executor } from './executor.ts';
import { finetuneKeys } from './finetune.keys.ts';
import { loadJobInput, type FinetuneRepository } from './finetune.repository.ts';
import { endAttempt } from './attempt.outcome.ts';
import { OutageWaits, type OutageSettings } from './outage.wait.ts';
import type { InputValidator, ValidationResult } from './validator.ts';

const EVALUATION_TRIES = 3;

export interface OrchestratorSettings extends OutageSettings {
  leaseMs: number;
  pollMs: number;
  minRunSeconds: number;
}

export interface OrchestratorDeps {
  repo: FinetuneRepository;
  store: ObjectStore;
  /** The executor of a pool (built from its executorKind and settings). */
  executorFor(pool: NodePool): Executor;
  validator: InputValidator;
  evaluator: CandidateEvaluator;
  runtime: TrainerRuntime;
  /** Local pools keep a job's working folder (downloaded snapshot, base model) here across attempts. */
  localWorkDir?: string;
  settings: OrchestratorSettings;
  /** Unique per process: the lease owner. */
  owner: string;
  onError?(error: unknown, context: { jobId?: string; phase: string }): void;
  now?(): Date;
}

export class Orchestrator {
  readonly #deps: OrchestratorDeps;
  /** Background work per job (validation, evaluation), so a pass never waits for it. */
  readonly #inFlight = new Map<string, { promise: Promise<void>; abort: AbortController }>();
  /** Evaluation failures per job in this process; the job fails after EVALUATION_TRIES. */
  readonly #evaluationFailures = new Map<string, number>();
  readonly #outages: OutageWaits;
  #stopped = false;
  #loop?: Promise<void>;

  constructor(deps: OrchestratorDeps) {
    this.#deps = deps;
    this.#outages = new OutageWaits(deps.settings);
  }

  #now(): Date {
    return this.#deps.now?.() ?? new Date();
  }

  #fail(error: unknown, phase: string, jobId?: string): void {
    this.#deps.onError?.(error, { phase, ...(jobId ? { jobId } : {}) });
  }

  /** One pass; tests call it directly, `start` calls it every pollMs. */
  async tick(): Promise<void> {
    const { repo, settings, owner } = this.#deps;
    const jobs = await repo.claim(owner, settings.leaseMs);
    for (const job of jobs) {
      if (!this.#outages.due(job.id, this.#now().getTime())) continue;
      try {
        if (job.status === 'validating') this.#background(job, 'validate', (signal) => this.#validate(job, signal));
        else if (job.status === 'evaluating') this.#background(job, 'evaluate', (signal) => this.#evaluateOrFail(job, signal));
        else if (job.status === 'running') await this.#follow(job);
      } catch (error) {
        this.#fail(error, job.status, job.id);
      }
    }
    await this.#admit();
  }

  start(): void {
    this.#loop = (async () => {
      while (!this.#stopped) {
        await this.tick().catch((error: unknown) => this.#fail(error, 'tick'));
        await new Promise((resolve) => setTimeout(resolve, this.#deps.settings.pollMs));
      }
    })();
  }

  /** Stops the loop and background work and lets another orchestrator take the jobs at once. Running trainers keep running. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#loop;
    for (const { abort } of this.#inFlight.values()) abort.abort();
    await Promise.allSettled([...this.#inFlight.values()].map((w) => w.promise));
    await this.#deps.repo.release(this.#deps.owner);
  }

  #background(job: FinetuneJob, phase: string, work: (signal: AbortSignal) => Promise<void>): void {
    if (this.#inFlight.has(job.id)) return;
    const abort = new AbortController();
    const promise = work(abort.signal)
      .catch((error: unknown) => this.#fail(error, phase, job.id))
      .finally(() => this.#inFlight.delete(job.id));
    this.#inFlight.set(job.id, { promise, abort });
  }

  async #validate(job: FinetuneJob, _signal: AbortSignal): Promise<void> {
    const { repo, validator } = this.#deps;
    let result: ValidationResult;
    try {
      result = await validator.validate((await loadJobInput(repo.prisma, job.id)).input);
      this.#outages.clear(job.id);
    } catch (error) {
      const verdict = this.#outages.record(job.id, error, this.#now().getTime());
      if (verdict.kind !== 'exceeded') throw error; // tried again on a later pass
      result = { ok: false, code: 'VALIDATION_ERROR', message: `validation could not run: ${verdict.message}`.slice(0, 500) };
    }
    if (result.ok) await repo.transition(job.id, ['validating'], 'queued', { leaseOwner: null, leaseExpiresAt: null }, {}, [{ type: 'validated', data: result.summary }]);
    else await repo.transition(job.id, ['validating'], 'failed', { errorCode: result.code, errorMessage: result.message }, { errorCode: result.code });
  }

  async #follow(job: FinetuneJob): Promise<void> {
    const { repo, store } = this.#deps;
    const attempt = await repo.currentAttempt(job.id);
    if (!attempt || attempt.endedAt) {
      await repo.transition(job.id, ['running'], 'queued', { leaseOwner: null, leaseExpiresAt: null }, { reason: 'no live attempt' });
      return;
    }
    const pool = await repo.prisma.nodePool.findUniqueOrThrow({ where: { id: attempt.nodePoolId } });
    const executor = this.#deps.executorFor(pool);
    if (!attempt.externalId) {
      await this.#submit(job, pool, attempt.id, attempt.n); // the orchestrator died between the row and the submit
      return;
    }
    const handle = { kind: attempt.executorKind, externalId: attempt.externalId };
    if (job.cancelRequestedAt) await executor.cancel(handle);
    else if (job.preemptRequestedAt) await executor.preempt(handle);
    // Status first, then the chunks: an attempt that has exited flushed its last chunk before.
    const status = await executor.status(handle);
    await followAttempt(store, repo, attempt, finetuneKeys(job.orgId, job.id).attempt(attempt.n).events);
    if (status.state === 'pending' || status.state === 'running') return;
    const fresh = await repo.prisma.finetuneJob.findUniqueOrThrow({ where: { id: job.id } });
    await endAttempt(repo, fresh, attempt, status, this.#deps.settings, this.#now());
  }

  async #submit(job: FinetuneJob, pool: NodePool, attemptId: string, n: number): Promise<void> {
    const { repo, runtime, localWorkDir } = this.#deps;
    const { input } = await loadJobInput(repo.prisma, job.id);
    const workDir = pool.executorKind === 'local' && localWorkDir ? join(localWorkDir, job.id, 'work') : undefined;
    const gpus = pool.gpusPerNode === 0 ? 0 : job.gpus;
    try {
      const handle = await this.#deps.executorFor(pool).submit(buildAttemptSpec(runtime, input, n, pool.name, gpus, workDir));
      await repo.setAttempt(attemptId, { externalId: handle.externalId });
      this.#outages.clear(job.id);
    } catch (error) {
      // Submitting is idempotent per attempt (every executor finds an attempt it already started),
      // so an outage leaves the attempt unsubmitted and the next pass's follower submits it again.
      if (this.#outages.record(job.id, error, this.#now().getTime()).kind === 'wait') throw error;
      this.#fail(error, 'submit', job.id);
      const attempt = await repo.prisma.finetuneAttempt.findUniqueOrThrow({ where: { id: attemptId } });
      await endAttempt(repo, job, attempt, { state: 'stopped', cause: 'node', reason: 'the executor refused the attempt' }, this.#deps.settings, this.#now());
    }
  }

  async #admit(): Promise<void> {
    const { repo, settings, owner } = this.#deps;
    const result = await admit(repo.prisma, repo, { owner, leaseMs: settings.leaseMs, minRunSeconds: settings.minRunSeconds, now: this.#now() });
    for (const victim of result.preempted) {
      if (!victim.externalId) continue; // its follower signals it once submitted
      await this.#deps.executorFor(victim.pool).preempt({ kind: victim.kind, externalId: victim.externalId }).catch((error: unknown) => this.#fail(error, 'preempt', victim.jobId));
    }
    await Promise.all(result.started.map((s) => this.#submit(s.job, s.pool, s.attemptId, s.n)));
  }

  /** Waits out an outage (not a try); retries any other failing evaluation on later passes, then fails the job. */
  async #evaluateOrFail(job: FinetuneJob, signal: AbortSignal): Promise<void> {
    try {
      await this.#evaluate(job, signal);
      this.#evaluationFailures.delete(job.id);
      this.#outages.clear(job.id);
    } catch (error) {
      if (signal.aborted) return;
      const verdict = this.#outages.record(job.id, error, this.#now().getTime());
      if (verdict.kind === 'wait') throw error; // not a failed try: evaluated again after the backoff
      if (verdict.kind === 'exceeded') {
        this.#evaluationFailures.delete(job.id);
        const message = `evaluation could not finish: ${verdict.message}`.slice(0, 500);
        await this.#deps.repo.transition(job.id, ['evaluating'], 'failed', { errorCode: 'EVALUATION_FAILED', errorMessage: message }, { errorCode: 'EVALUATION_FAILED' });
        return;
      }
      const failures = (this.#evaluationFailures.get(job.id) ?? 0) + 1;
      this.#evaluationFailures.set(job.id, failures);
      // EvaluationError says whether a retry can help (GATE_INVALID cannot); other errors get a few tries.
      const { code, retryable } = error as { code?: string; retryable?: boolean };
      if (retryable !== false && failures < EVALUATION_TRIES) throw error;
      this.#evaluationFailures.delete(job.id);
      const errorCode = retryable === false && code ? code : 'EVALUATION_FAILED';
      const message = `evaluation failed (${failures} ${failures === 1 ? 'try' : 'tries'}): ${(error as Error).message}`.slice(0, 500);
      await this.#deps.repo.transition(job.id, ['evaluating'], 'failed', { errorCode, errorMessage: message }, { errorCode });
    }
  }

  async #evaluate(job: FinetuneJob, signal: AbortSignal): Promise<void> {
    const { repo, evaluator } = this.#deps;
    const { job: row, input } = await loadJobInput(repo.prisma, job.id);
    if (row.cancelRequestedAt) {
      await repo.transition(job.id, ['evaluating'], 'cancelled');
      return;
    }
    const keys = finetuneKeys(row.orgId, row.id);
    const outcome = await evaluator.evaluate({
      jobId: row.id, orgId: row.orgId, projectId: row.projectId, weightsKey: keys.model, baseModelVersionId: row.baseModelVersionId,
      snapshot: { id: input.snapshot.id, sha256: input.snapshot.sha256, testManifestKey: input.snapshot.testKey },
      method: row.method, hyperparameters: input.hyperparameters, ...(row.gate ? { gate: row.gate as Record<string, unknown> } : {}),
      seed: row.seed, outputPrefix: keys.evaluation,
    }, signal);
    const event = { type: 'evaluation', data: { modelVersionId: outcome.modelVersionId, version: outcome.version, status: outcome.status, gate: outcome.gate } };
    if (outcome.status === 'VALIDATED') {
      await repo.transition(job.id, ['evaluating'], 'succeeded', { modelVersionId: outcome.modelVersionId }, { modelVersionId: outcome.modelVersionId }, [event]);
      return;
    }
    const failed = outcome.gate.checks.filter((c) => !c.passed).map((c) => c.name);
    await repo.transition(job.id, ['evaluating'], 'failed', {
      modelVersionId: outcome.modelVersionId, errorCode: 'GATE_FAILED', errorMessage: `the candidate did not pass the evaluation gate (${failed.join(', ')}); it is registered as draft version ${outcome.version}`,
    }, { errorCode: 'GATE_FAILED' }, [event]);
  }
}
