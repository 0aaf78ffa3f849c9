// Admission to one node pool, as a pure function of the pool's state (unit-tested with plain
// data; the orchestrator reads the state from Postgres and applies the plan).
//
// Order: priority (urgent, standard, preemptible), then fair share (the organization holding the
// fewest GPUs of the pool goes first, recomputed as jobs are admitted), then age. A job waits for
// `quota` when its organization is at its concurrent-GPU or GPU-hour limit, for `priority` when a
// higher-priority job is waiting for capacity ahead of it, and for `capacity` otherwise. A waiting
// urgent job may preempt lower-priority running jobs: never one younger than minRunSeconds, and
// first the one that loses the least work since its last checkpoint.

export type Priority = 'urgent' | 'standard' | 'preemptible';
export type PendingReason = 'quota' | 'capacity' | 'priority';

const RANK: Record<Priority, number> = { urgent: 0, standard: 1, preemptible: 2 };

export interface WaitingJob {
  id: string;
  orgId: string;
  priority: Priority;
  gpus: number;
  createdAt: Date;
  /** In backoff (after a preemption or node failure) until then. */
  notBefore: Date | null;
}

export interface RunningJob {
  id: string;
  orgId: string;
  priority: Priority;
  gpus: number;
  attemptStartedAt: Date;
  lastCheckpointAt: Date | null;
  /** Already asked to checkpoint and exit: its GPUs free up soon. */
  preemptRequested: boolean;
}

export interface OrgQuota {
  maxConcurrentGpus: number | null;
  gpuHoursLimit: number | null;
  gpuHoursUsed: number;
}

export interface PoolState {
  capacityGpus: number;
  waiting: WaitingJob[];
  running: RunningJob[];
  quotas: ReadonlyMap<string, OrgQuota>;
}

export interface SchedulePlan {
  start: string[];
  pending: { id: string; reason: PendingReason; position: number }[];
  preempt: string[];
}

export interface ScheduleOptions {
  now: Date;
  minRunSeconds: number;
}

function overQuota(quota: OrgQuota | undefined, used: number, gpus: number): boolean {
  if (!quota) return false;
  if (quota.maxConcurrentGpus !== null && used + gpus > quota.maxConcurrentGpus) return true;
  return quota.gpuHoursLimit !== null && quota.gpuHoursUsed >= quota.gpuHoursLimit;
}

/** The next job to decide on: priority, then the organization with the fewest GPUs, then age. */
function next(jobs: WaitingJob[], orgUsed: Map<string, number>): WaitingJob | undefined {
  let best: WaitingJob | undefined;
  const key = (j: WaitingJob) => [RANK[j.priority], orgUsed.get(j.orgId) ?? 0, j.createdAt.getTime()];
  for (const job of jobs) {
    if (!best) best = job;
    else {
      const [a, b] = [key(job), key(best)];
      const i = a.findIndex((v, k) => v !== b[k]);
      if (i >= 0 && (a[i] ?? 0) < (b[i] ?? 0)) best = job;
    }
  }
  return best;
}

/** Plans starts, waits (with reason and position) and preemptions for one pool. */
export function planPool(state: PoolState, options: ScheduleOptions): SchedulePlan {
  const plan: SchedulePlan = { start: [], pending: [], preempt: [] };
  const orgUsed = new Map<string, number>();
  for (const r of state.running) orgUsed.set(r.orgId, (orgUsed.get(r.orgId) ?? 0) + r.gpus);
  let free = state.capacityGpus - state.running.reduce((sum, r) => sum + r.gpus, 0);
  let soonFree = state.running.filter((r) => r.preemptRequested).reduce((sum, r) => sum + r.gpus, 0);
  const preemptable = victims(state.running, options);
  let blockedRank = Infinity;
  const wait = (id: string, reason: PendingReason) => plan.pending.push({ id, reason, position: plan.pending.length + 1 });
  const remaining = [...state.waiting];
  for (let job = next(remaining, orgUsed); job; job = next(remaining, orgUsed)) {
    remaining.splice(remaining.indexOf(job), 1);
    const rank = RANK[job.priority];
    if (overQuota(state.quotas.get(job.orgId), orgUsed.get(job.orgId) ?? 0, job.gpus)) wait(job.id, 'quota');
    else if (job.notBefore && job.notBefore > options.now) wait(job.id, 'capacity');
    else if (blockedRank < rank) wait(job.id, 'priority');
    else if (job.gpus <= free) {
      plan.start.push(job.id);
      free -= job.gpus;
      orgUsed.set(job.orgId, (orgUsed.get(job.orgId) ?? 0) + job.gpus);
    } else {
      blockedRank = Math.min(blockedRank, rank);
      wait(job.id, 'capacity');
      if (job.priority !== 'urgent' || free + soonFree >= job.gpus) continue;
      const chosen = chooseVictims(preemptable, job.gpus - free - soonFree);
      for (const v of chosen) preemptable.splice(preemptable.indexOf(v), 1);
      plan.preempt.push(...chosen.map((v) => v.id));
      soonFree += chosen.reduce((sum, v) => sum + v.gpus, 0);
    }
  }
  return plan;
}

/** Lower-priority running jobs old enough to preempt, cheapest (least work lost) first. */
function victims(running: RunningJob[], options: ScheduleOptions): RunningJob[] {
  const lost = (r: RunningJob) => options.now.getTime() - (r.lastCheckpointAt ?? r.attemptStartedAt).getTime();
  return running
    .filter((r) => !r.preemptRequested && r.priority !== 'urgent')
    .filter((r) => options.now.getTime() - r.attemptStartedAt.getTime() >= options.minRunSeconds * 1000)
    .sort((a, b) => lost(a) - lost(b) || RANK[b.priority] - RANK[a.priority]);
}

/** Enough victims to free `needed` GPUs, or none when even all of them would not. */
function chooseVictims(candidates: RunningJob[], needed: number): RunningJob[] {
  const chosen: RunningJob[] = [];
  let freed = 0;
  for (const candidate of candidates) {
    if (freed >= needed) break;
    chosen.push(candidate);
    freed += candidate.gpus;
  }
  return freed >= needed ? chosen : [];
}
