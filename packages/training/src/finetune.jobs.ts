// The fine-tuning API's domain (gateway /v1/finetune-jobs passes the caller and a Prisma client).
// Creation resolves and checks everything before one transaction stores the job with its first
// event, so a rejected request stores nothing. Every query is scoped by the caller's organization
// (and project, for a project key): another organization's job or snapshot is simply not found.
// The gateway imports this through `@medgrade/training/jobs`, without the executors' clients.
import { ConflictError, NotFoundError, UnprocessableError } from '@medgrade/contracts';
import type { z } from 'zod';
import type { CreateFinetuneJobBodySchema, FinetuneEventPageSchema, FinetuneJobSchema } from '@medgrade/contracts';
import { withinTenant, type FinetuneJob, type FinetuneStatus, type Prisma, type PrismaClient } from '@medgrade/db';
import { FINISHED, FinetuneRepository } from './finetune.repository.ts';

export { FinetuneRepository };

export interface Caller {
  keyId: string;
  orgId: string;
  projectId: string | null;
}

export type CreateFinetuneJob = z.infer<typeof CreateFinetuneJobBodySchema>;
export type FinetuneJobDto = z.infer<typeof FinetuneJobSchema>;
type EventPage = z.infer<typeof FinetuneEventPageSchema>;

/** The pool a job without `nodePool` runs on. */
export const DEFAULT_NODE_POOL = 'cpu';
const BASE_WEIGHTS = 'pytorch_model.pt';

const include = { baseVersion: { select: { version: true, model: { select: { name: true } } } }, nodePool: { select: { name: true } } } as const;
type JobRow = Prisma.FinetuneJobGetPayload<{ include: typeof include }>;

export function toFinetuneJobDto(j: JobRow): FinetuneJobDto {
  return {
    id: j.id, projectId: j.projectId, status: j.status,
    baseModel: { name: j.baseVersion.model.name, version: j.baseVersion.version, modelVersionId: j.baseModelVersionId },
    datasetSnapshotId: j.datasetSnapshotId, method: j.method, hyperparameters: j.hyperparameters as Record<string, unknown>, priority: j.priority,
    nodePool: j.nodePool.name, gpus: j.gpus, seed: j.seed, gate: (j.gate ?? null) as Record<string, unknown> | null,
    pendingReason: (j.pendingReason ?? null) as FinetuneJobDto['pendingReason'], position: j.position, attempts: j.attemptCount, preemptions: j.preemptions,
    lastStep: j.lastStep, lastCheckpointStep: j.lastCheckpointStep, errorCode: j.errorCode, errorMessage: j.errorMessage, modelVersionId: j.modelVersionId,
    createdAt: j.createdAt.toISOString(), updatedAt: j.updatedAt.toISOString(), finishedAt: j.finishedAt?.toISOString() ?? null,
  };
}


export class FinetuneJobs {
  readonly #prisma: PrismaClient;
  readonly #repo: FinetuneRepository;

  constructor(repo: FinetuneRepository) {
    this.#repo = repo;
    this.#prisma = repo.prisma;
  }

  /** `name@version`, or `name` for its latest released version; only validated or released versions with PyTorch weights. */
  async #baseVersion(caller: Caller, ref: string) {
    const [name, version] = ref.split('@') as [string, string | undefined];
    const found = await this.#prisma.modelVersion.findFirst({
      // A project key sees organization-wide models and its own project's, as in the registry.
      where: { orgId: caller.orgId, model: { name, ...(caller.projectId ? { OR: [{ projectId: null }, { projectId: caller.projectId }] } : {}) }, ...(version ? { version } : { status: 'RELEASED' }) },
      orderBy: { releasedAt: 'desc' },
    });
    if (!found) throw new NotFoundError(version ? `Base model version ${name}@${version}` : `A released version of base model ${name}`);
    if (found.status !== 'RELEASED' && found.status !== 'VALIDATED') {
      throw new UnprocessableError(`Base model ${name}@${found.version} is ${found.status.toLowerCase()}: fine-tune from a validated or released version`);
    }
    const files = ((found.manifest as { files?: { path?: string }[] }).files ?? []).map((f) => f.path);
    if (!files.includes(BASE_WEIGHTS)) throw new UnprocessableError(`Base model ${name}@${found.version} ships no ${BASE_WEIGHTS}: it cannot be fine-tuned`);
    return found;
  }

  async #snapshot(caller: Caller, id: string) {
    const snapshot = await this.#prisma.datasetSnapshot.findFirst({ where: withinTenant(caller, { id }) });
    if (!snapshot) throw new NotFoundError('Dataset snapshot');
    return snapshot;
  }

  async #pool(name: string) {
    const pool = await this.#prisma.nodePool.findUnique({ where: { name } });
    if (pool) return pool;
    const names = (await this.#prisma.nodePool.findMany({ select: { name: true }, orderBy: { name: 'asc' } })).map((p) => p.name);
    throw new UnprocessableError(`Unknown node pool "${name}": use one of ${names.join(', ')}`, { nodePools: names });
  }

  /** Checks the request, then stores the job (validating) and its first event in one transaction. */
  async create(caller: Caller, body: CreateFinetuneJob, tx?: (tx: Prisma.TransactionClient, job: FinetuneJob) => Promise<void>): Promise<FinetuneJob> {
    const base = await this.#baseVersion(caller, body.baseModel);
    const snapshot = await this.#snapshot(caller, body.datasetSnapshotId);
    const pool = await this.#pool(body.nodePool ?? DEFAULT_NODE_POOL);
    if (pool.gpusPerNode > 0 && body.gpus > pool.capacityGpus) throw new UnprocessableError(`Node pool ${pool.name} has ${pool.capacityGpus} GPUs: ask for at most that many`);
    return this.#prisma.$transaction(async (t) => {
      const job = await t.finetuneJob.create({
        data: {
          orgId: caller.orgId, projectId: snapshot.projectId, createdBy: caller.keyId, baseModelVersionId: base.id, datasetSnapshotId: snapshot.id,
          method: body.method, hyperparameters: (body.hyperparameters ?? {}) as Prisma.InputJsonValue, seed: body.seed, priority: body.priority,
          nodePoolId: pool.id, gpus: pool.gpusPerNode > 0 ? body.gpus : 1, ...(body.gate ? { gate: body.gate as Prisma.InputJsonValue } : {}),
        },
      });
      await this.#repo.appendEvents(t, job.id, [{ type: 'state', data: { from: null, to: 'validating' } }]);
      await tx?.(t, job);
      return job;
    });
  }

  async get(caller: Caller, id: string): Promise<JobRow> {
    const job = await this.#prisma.finetuneJob.findFirst({ where: withinTenant(caller, { id }), include });
    if (!job) throw new NotFoundError('Fine-tuning job');
    return job;
  }

  async list(caller: Caller, query: { status?: FinetuneStatus | undefined; limit: number }): Promise<JobRow[]> {
    return this.#prisma.finetuneJob.findMany({ where: withinTenant(caller, query.status ? { status: query.status } : {}), include, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: query.limit });
  }

  async events(caller: Caller, id: string, after: number, limit: number): Promise<EventPage> {
    const job = await this.get(caller, id);
    const rows = await this.#prisma.finetuneEvent.findMany({ where: { jobId: id, seq: { gt: after } }, orderBy: { seq: 'asc' }, take: limit });
    const items = rows.map((e) => ({ seq: e.seq, type: e.type, attempt: e.attempt, data: e.data as Record<string, unknown>, createdAt: e.createdAt.toISOString() }));
    const next = items.at(-1)?.seq ?? after;
    return { items, next, finished: FINISHED.includes(job.status) && next >= job.eventSeq };
  }

  /**
   * A waiting or validating job is cancelled at once; a running or evaluating one is marked and its
   * orchestrator stops the attempt (the job says `cancelled` once it has). A finished job: 409.
   */
  async cancel(caller: Caller, id: string, tx?: (tx: Prisma.TransactionClient) => Promise<void>): Promise<JobRow> {
    const job = await this.get(caller, id);
    if (FINISHED.includes(job.status)) throw new ConflictError(`Fine-tuning job is already ${job.status}: only a validating, queued, running, preempted or evaluating job can be cancelled`, { status: job.status });
    await this.#prisma.$transaction(async (t) => {
      const now = new Date();
      const moved = await this.#repo.transitionIn(t, id, ['validating', 'queued', 'preempted'], 'cancelled', { cancelRequestedAt: now, pendingReason: null, position: null }, { by: 'api' });
      if (!moved) {
        const { count } = await t.finetuneJob.updateMany({ where: { id, status: { in: ['running', 'evaluating'] }, cancelRequestedAt: null }, data: { cancelRequestedAt: now } });
        if (count > 0) await this.#repo.appendEvents(t, id, [{ type: 'cancel.requested', data: { by: 'api' } }]);
      }
      await tx?.(t);
    });
    return this.get(caller, id);
  }
}
