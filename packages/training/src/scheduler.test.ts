import { describe, expect, it } from 'vitest';
import { planPool, type OrgQuota, type RunningJob, type WaitingJob } from './scheduler.ts';

const now = new Date('2026-12-07T12:00:00Z');
const ago = (s: number) => new Date(now.getTime() - s * 1000);
const waiting = (id: string, orgId: string, priority: WaitingJob['priority'], age = 10, gpus = 1): WaitingJob => ({ id, orgId, priority, gpus, createdAt: ago(age), notBefore: null });
const running = (id: string, orgId: string, priority: RunningJob['priority'], startedS: number, checkpointS: number | null, gpus = 1): RunningJob => ({
  id, orgId, priority, gpus, attemptStartedAt: ago(startedS), lastCheckpointAt: checkpointS === null ? null : ago(checkpointS), preemptRequested: false,
});
const options = { now, minRunSeconds: 60 };
const noQuota = new Map<string, OrgQuota>();

describe('planPool', () => {
  it('admits by priority, then the organization holding fewer GPUs, then age', () => {
    const plan = planPool({
      capacityGpus: 3,
      running: [running('r1', 'a', 'standard', 100, 10)],
      waiting: [waiting('a-old', 'a', 'standard', 50), waiting('b-new', 'b', 'standard', 5), waiting('pre', 'c', 'preemptible', 90), waiting('urg', 'a', 'urgent', 1)],
      quotas: noQuota,
    }, options);
    expect(plan.start).toEqual(['urg', 'b-new']);
    expect(plan.pending).toEqual([{ id: 'a-old', reason: 'capacity', position: 1 }, { id: 'pre', reason: 'priority', position: 2 }]);
    expect(plan.preempt).toEqual([]);
  });

  it('holds an organization at its concurrent-GPU quota while another starts', () => {
    const quotas = new Map<string, OrgQuota>([['b', { maxConcurrentGpus: 1, gpuHoursLimit: null, gpuHoursUsed: 0 }]]);
    const plan = planPool({ capacityGpus: 4, running: [running('rb', 'b', 'standard', 100, 10)], waiting: [waiting('b2', 'b', 'standard', 30), waiting('a1', 'a', 'standard', 5)], quotas }, options);
    expect(plan.start).toEqual(['a1']);
    expect(plan.pending).toEqual([{ id: 'b2', reason: 'quota', position: 1 }]);
  });

  it('holds an organization whose GPU-hours are spent', () => {
    const quotas = new Map<string, OrgQuota>([['a', { maxConcurrentGpus: null, gpuHoursLimit: 2, gpuHoursUsed: 2.5 }]]);
    const plan = planPool({ capacityGpus: 4, running: [], waiting: [waiting('a1', 'a', 'urgent')], quotas }, options);
    expect(plan.pending).toEqual([{ id: 'a1', reason: 'quota', position: 1 }]);
  });

  it('preempts the lower-priority job that loses the least work, never one younger than the minimum run time', () => {
    const plan = planPool({
      capacityGpus: 3,
      running: [running('young', 'a', 'preemptible', 30, null), running('long-since-ckpt', 'b', 'preemptible', 600, 300), running('fresh-ckpt', 'c', 'standard', 600, 5)],
      waiting: [waiting('urg', 'd', 'urgent')],
      quotas: noQuota,
    }, options);
    expect(plan.preempt).toEqual(['fresh-ckpt']);
    expect(plan.pending).toEqual([{ id: 'urg', reason: 'capacity', position: 1 }]);
  });

  it('does not preempt again while an earlier preemption is freeing the GPUs, nor for a standard job', () => {
    const victim = { ...running('v', 'a', 'preemptible', 600, 100), preemptRequested: true };
    const again = planPool({ capacityGpus: 2, running: [victim, running('w', 'b', 'preemptible', 600, 100)], waiting: [waiting('urg', 'c', 'urgent')], quotas: noQuota }, options);
    expect(again.preempt).toEqual([]);
    const standard = planPool({ capacityGpus: 1, running: [running('w', 'b', 'preemptible', 600, 100)], waiting: [waiting('std', 'c', 'standard')], quotas: noQuota }, options);
    expect(standard.preempt).toEqual([]);
  });

  it('preempts nothing when all candidates together cannot free enough GPUs', () => {
    const plan = planPool({ capacityGpus: 2, running: [running('p', 'a', 'preemptible', 600, 100), running('u', 'b', 'urgent', 600, 100)], waiting: [waiting('big', 'c', 'urgent', 1, 2)], quotas: noQuota }, options);
    expect(plan.preempt).toEqual([]);
  });

  it('keeps a job in backoff waiting', () => {
    const job = { ...waiting('p', 'a', 'preemptible'), notBefore: new Date(now.getTime() + 5000) };
    expect(planPool({ capacityGpus: 1, running: [], waiting: [job], quotas: noQuota }, options).pending).toEqual([{ id: 'p', reason: 'capacity', position: 1 }]);
  });
});
