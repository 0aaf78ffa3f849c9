// The scheduling pass: one orchestrator at a time (a transaction-scoped advisory lock), reads each
// pool's waiting and running jobs, quotas and GPU-hours used, applies planPool's plan in the same
// transaction (attempt rows, leases, pending reasons and positions, preemption requests, each with
// its event), then — outside the transaction — submits the new attempts and signals the victims.
import type { FinetuneJob, NodePool, Prisma, PrismaClient } from '@medgrade/db';
import { WAITING, type FinetuneRepository } from './finetune.repository.ts';
import { finetuneKeys } from './finetune.keys.ts';
import { planPool, type OrgQuota, type RunningJob, type WaitingJob } from './scheduler.ts';

type Tx = Prisma.TransactionClient;
const LOCK = 'medgrade-finetune-scheduler';

export interface Started {
  job: FinetuneJob;
  pool: NodePool;
  attemptId: string;
  n: number;
}

export interface Preemption {
  jobId: string;
  pool: NodePool;
  externalId: string | null;
  kind: NodePool['executorKind'];
}

export interface AdmissionResult {
  started: Started[];
  preempted: Preemption[];
}

export interface AdmissionOptions {
  owner: string;
  leaseMs: number;
  minRunSeconds: number;
  now: Date;
}

async function quotas(tx: Tx, pool: NodePool, orgIds: string[], now: Date): Promise<Map<string, OrgQuota>> {
  const rows = await tx.finetuneQuota.findMany({ where: { nodePoolId: pool.id, orgId: { in: orgIds } } });
  const result = new Map<string, OrgQuota>();
  for (const row of rows) {
    const since = new Date(now.getTime() - row.periodDays * 86_400_000);
    const [used] = await tx.$queryRaw<{ hours: number | null }[]>`
      SELECT SUM(a.gpus * EXTRACT(EPOCH FROM (COALESCE(a."endedAt", now()) - GREATEST(a."startedAt", ${since}::timestamptz))) / 3600.0)::float8 AS hours
      FROM "FinetuneAttempt" a JOIN "FinetuneJob" j ON j.id = a."jobId"
      WHERE j."orgId" = ${row.orgId}::uuid AND a."nodePoolId" = ${pool.id}::uuid AND COALESCE(a."endedAt", now()) > ${since}::timestamptz`;
    result.set(row.orgId, { maxConcurrentGpus: row.maxConcurrentGpus, gpuHoursLimit: row.gpuHoursLimit, gpuHoursUsed: used?.hours ?? 0 });
  }
  return result;
}

async function poolState(tx: Tx, pool: NodePool, now: Date) {
  const waiting = await tx.finetuneJob.findMany({ where: { nodePoolId: pool.id, status: { in: WAITING } } });
  const running = await tx.finetuneJob.findMany({ where: { nodePoolId: pool.id, status: 'running' }, include: { attempts: { orderBy: { n: 'desc' }, take: 1 } } });
  const orgIds = [...new Set([...waiting, ...running].map((j) => j.orgId))];
  const state = {
    capacityGpus: pool.capacityGpus,
    waiting: waiting.map((j): WaitingJob => ({ id: j.id, orgId: j.orgId, priority: j.priority, gpus: j.gpus, createdAt: j.createdAt, notBefore: j.notBefore })),
    running: running.map((j): RunningJob => ({
      id: j.id, orgId: j.orgId, priority: j.priority, gpus: j.gpus, attemptStartedAt: j.attempts[0]?.startedAt ?? j.updatedAt,
      lastCheckpointAt: j.lastCheckpointAt, preemptRequested: j.preemptRequestedAt !== null,
    })),
    quotas: await quotas(tx, pool, orgIds, now),
  };
  return { state, waiting, running };
}

async function schedulePool(tx: Tx, repo: FinetuneRepository, pool: NodePool, options: AdmissionOptions, result: AdmissionResult): Promise<void> {
  const { state, waiting, running } = await poolState(tx, pool, options.now);
  if (waiting.length === 0) return;
  const plan = planPool(state, { now: options.now, minRunSeconds: options.minRunSeconds });
  const byId = new Map(waiting.map((j) => [j.id, j]));
  for (const id of plan.start) {
    const job = byId.get(id)!;
    const n = job.attemptCount + 1;
    const lease = { leaseOwner: options.owner, leaseExpiresAt: new Date(options.now.getTime() + options.leaseMs) };
    const change = { attemptCount: n, pendingReason: null, position: null, notBefore: null, preemptRequestedAt: null, ...lease };
    const attempt = await tx.finetuneAttempt.create({ data: { jobId: id, n, nodePoolId: pool.id, executorKind: pool.executorKind, gpus: job.gpus, logKey: finetuneKeys(job.orgId, id).attempt(n).log } });
    await repo.transitionIn(tx, id, WAITING, 'running', change, { attempt: n, nodePool: pool.name }, [{ type: 'attempt', attempt: n, data: { n, nodePool: pool.name, gpus: job.gpus, startedAt: attempt.startedAt.toISOString() } }]);
    result.started.push({ job, pool, attemptId: attempt.id, n });
  }
  for (const wait of plan.pending) {
    const job = byId.get(wait.id)!;
    if (job.pendingReason === wait.reason && job.position === wait.position) continue;
    await tx.finetuneJob.update({ where: { id: job.id }, data: { pendingReason: wait.reason, position: wait.position } });
    if (job.pendingReason !== wait.reason) await repo.appendEvents(tx, job.id, [{ type: 'pending', data: { reason: wait.reason, position: wait.position } }]);
  }
  const runningById = new Map(running.map((j) => [j.id, j]));
  for (const id of plan.preempt) {
    const victim = runningById.get(id)!;
    await tx.finetuneJob.update({ where: { id }, data: { preemptRequestedAt: options.now } });
    await repo.appendEvents(tx, id, [{ type: 'preemption', attempt: victim.attempts[0]?.n ?? null, data: { requestedAt: options.now.toISOString(), lastCheckpointStep: victim.lastCheckpointStep } }]);
    result.preempted.push({ jobId: id, pool, externalId: victim.attempts[0]?.externalId ?? null, kind: pool.executorKind });
  }
}

/** One scheduling pass over every pool; an empty result when another orchestrator holds the lock. */
export async function admit(prisma: PrismaClient, repo: FinetuneRepository, options: AdmissionOptions): Promise<AdmissionResult> {
  const result: AdmissionResult = { started: [], preempted: [] };
  await prisma.$transaction(async (tx) => {
    const [row] = await tx.$queryRaw<{ locked: boolean }[]>`SELECT pg_try_advisory_xact_lock(hashtext(${LOCK})) AS locked`;
    if (!row?.locked) return;
    for (const pool of await tx.nodePool.findMany({ orderBy: { name: 'asc' } })) await schedulePool(tx, repo, pool, options, result);
  });
  return result;
}
