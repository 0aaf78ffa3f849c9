// Postgres state of fine-tuning jobs (STYLE.md 3: the orchestrator and the gateway pass this in).
// Every state change and the event that reports it commit together; events are numbered per job
// from the job row's counter, whose row lock orders concurrent writers, so a reader paging with
// `after=<seq>` never skips one.
import type { FinetuneAttempt, FinetuneJob, FinetuneStatus, Prisma, PrismaClient } from '@medgrade/db';

type Tx = Prisma.TransactionClient;

export interface NewEvent {
  type: string;
  attempt?: number | null;
  data?: Record<string, unknown>;
}

/** Statuses a job never leaves. */
export const FINISHED: FinetuneStatus[] = ['succeeded', 'failed', 'cancelled'];
/** Statuses a job waits for admission in. */
export const WAITING: FinetuneStatus[] = ['queued', 'preempted'];
/** Statuses an orchestrator works on under a lease. */
export const LEASED: FinetuneStatus[] = ['validating', 'running', 'evaluating'];

export type JobChange = Prisma.FinetuneJobUncheckedUpdateManyInput;

export class FinetuneRepository {
  readonly prisma: PrismaClient;

  constructor(prisma: PrismaClient) {
    this.prisma = prisma;
  }

  /** Appends events to a job's stream inside tx; returns their sequence numbers. */
  async appendEvents(tx: Tx, jobId: string, events: NewEvent[]): Promise<number[]> {
    if (events.length === 0) return [];
    const { eventSeq } = await tx.finetuneJob.update({ where: { id: jobId }, data: { eventSeq: { increment: events.length } }, select: { eventSeq: true } });
    const first = eventSeq - events.length + 1;
    await tx.finetuneEvent.createMany({
      data: events.map((e, i) => ({ jobId, seq: first + i, type: e.type, attempt: e.attempt ?? null, data: (e.data ?? {}) as Prisma.InputJsonValue })),
    });
    return events.map((_, i) => first + i);
  }

  /**
   * Moves a job from one of `from` to `to` with `change`, and records a `state` event, atomically.
   * Returns false (and changes nothing) when the job is no longer in `from`: another actor won.
   */
  async transition(jobId: string, from: FinetuneStatus[], to: FinetuneStatus, change: JobChange = {}, detail: Record<string, unknown> = {}, more: NewEvent[] = []): Promise<boolean> {
    return this.prisma.$transaction(async (tx) => this.transitionIn(tx, jobId, from, to, change, detail, more));
  }

  async transitionIn(tx: Tx, jobId: string, from: FinetuneStatus[], to: FinetuneStatus, change: JobChange = {}, detail: Record<string, unknown> = {}, more: NewEvent[] = []): Promise<boolean> {
    const current = await tx.finetuneJob.findUnique({ where: { id: jobId }, select: { status: true } });
    if (!current || !from.includes(current.status)) return false;
    const finished = FINISHED.includes(to) ? { finishedAt: new Date(), leaseOwner: null, leaseExpiresAt: null } : {};
    const { count } = await tx.finetuneJob.updateMany({ where: { id: jobId, status: current.status }, data: { ...change, ...finished, status: to } });
    if (count === 0) return false;
    await this.appendEvents(tx, jobId, [...more, { type: 'state', data: { from: current.status, to, ...detail } }]);
    return true;
  }

  /** Takes or renews the lease of every active job that is ours or whose holder's lease lapsed. */
  async claim(owner: string, leaseMs: number): Promise<FinetuneJob[]> {
    const now = new Date();
    await this.prisma.finetuneJob.updateMany({
      where: { status: { in: LEASED }, OR: [{ leaseOwner: owner }, { leaseExpiresAt: null }, { leaseExpiresAt: { lt: now } }] },
      data: { leaseOwner: owner, leaseExpiresAt: new Date(now.getTime() + leaseMs) },
    });
    return this.prisma.finetuneJob.findMany({ where: { status: { in: LEASED }, leaseOwner: owner }, orderBy: { createdAt: 'asc' } });
  }

  /** Lets another orchestrator take our jobs at once (graceful stop). */
  async release(owner: string): Promise<void> {
    await this.prisma.finetuneJob.updateMany({ where: { leaseOwner: owner }, data: { leaseExpiresAt: new Date(0) } });
  }

  async currentAttempt(jobId: string): Promise<FinetuneAttempt | null> {
    return this.prisma.finetuneAttempt.findFirst({ where: { jobId }, orderBy: { n: 'desc' } });
  }

  async setAttempt(id: string, data: Prisma.FinetuneAttemptUncheckedUpdateInput): Promise<void> {
    await this.prisma.finetuneAttempt.update({ where: { id }, data });
  }

  /** Copies one event chunk of an attempt into the stream and advances its cursor, atomically. */
  async ingestChunk(attempt: FinetuneAttempt, chunk: number, events: NewEvent[], progress: JobChange): Promise<void> {
    await this.prisma.$transaction(async (tx) => {
      const { count } = await tx.finetuneAttempt.updateMany({ where: { id: attempt.id, eventChunks: chunk - 1 }, data: { eventChunks: chunk } });
      if (count === 0) return; // already ingested (two followers, or a retry)
      await this.appendEvents(tx, attempt.jobId, events);
      if (Object.keys(progress).length > 0) await tx.finetuneJob.update({ where: { id: attempt.jobId }, data: progress });
    });
  }
}

/** What building a trainer spec needs from a job's row and its relations. */
export async function loadJobInput(prisma: PrismaClient | Tx, jobId: string) {
  const job = await prisma.finetuneJob.findUniqueOrThrow({
    where: { id: jobId },
    include: { snapshot: { select: { id: true, sha256: true, trainKey: true, valKey: true, testKey: true } }, baseVersion: { select: { objectPrefix: true } }, nodePool: true },
  });
  return {
    job,
    input: {
      id: job.id,
      orgId: job.orgId,
      method: job.method,
      hyperparameters: (job.hyperparameters ?? {}) as Record<string, unknown>,
      seed: job.seed,
      gpus: job.gpus,
      baseModelKey: `${job.baseVersion.objectPrefix}/pytorch_model.pt`,
      snapshot: job.snapshot,
    },
  };
}
