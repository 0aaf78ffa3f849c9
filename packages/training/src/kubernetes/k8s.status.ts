// Reads an attempt's state from its Job, its Kueue Workload and its Pods. Pure: tested over
// recorded API responses (fixtures/).
//
// - Not yet admitted: the Job is suspended and the Workload has no Admitted condition → pending,
//   with Kueue's own message (QuotaReserved=False says which quota is short).
// - Evicted by Kueue (Workload Evicted/Preempted): Kueue suspends the Job and its Pods get SIGTERM;
//   once none is left the attempt is `preempted` (the trainer uploaded its checkpoint on the way
//   out). The orchestrator then cancels (deletes) it so Kueue does not re-admit the same Job.
// - Pod disruption: the podFailurePolicy fails the Job (reason PodFailurePolicy) → `preempted`.
// - An image that cannot be pulled keeps the Pod Pending forever → `node` after a bound.
import { TRAINER_EXIT, type AttemptStatus } from '../executor.ts';
import { TRAINER_CONTAINER } from './k8s.job.ts';
import { trueCondition, type KubeContainerState, type KubeJob, type KubePod, type KubeWorkload } from './k8s.types.ts';

export interface KubeObservation {
  job: KubeJob;
  workload?: KubeWorkload;
  pods: KubePod[];
  now: Date;
  imagePullFailSeconds: number;
}

/** Set by the executor's preempt() before it deletes the Job. */
export const PREEMPTED_ANNOTATION = 'medgrade.io/preempted-at';
const IMAGE_PULL = new Set(['ImagePullBackOff', 'ErrImagePull', 'InvalidImageName', 'ErrImageNeverPull']);
const CANCELLED_EVICTIONS = new Set(['InactiveWorkload', 'Deactivated']);

const stopped = (cause: Extract<AttemptStatus, { state: 'stopped' }>['cause'], reason: string, exitCode?: number): AttemptStatus => ({
  state: 'stopped',
  cause,
  reason,
  ...(exitCode === undefined ? {} : { exitCode }),
});

function trainerState(pod: KubePod): KubeContainerState | undefined {
  return pod.status?.containerStatuses?.find((c) => c.name === TRAINER_CONTAINER)?.state;
}

function newestPod(pods: KubePod[]): KubePod | undefined {
  return [...pods].sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '')).at(-1);
}

/** The cause of a failed Job, from the trainer's exit code when the Pod still says it. */
function failedJob(job: KubeJob, pods: KubePod[]): AttemptStatus {
  const failed = trueCondition(job.status?.conditions, 'Failed');
  const reason = failed?.reason ?? 'Failed';
  const message = failed?.message ?? '';
  if (reason === 'DeadlineExceeded') return stopped('preempted', 'reached its time limit (activeDeadlineSeconds)');
  if (reason === 'PodFailurePolicy' && message.includes('DisruptionTarget')) return stopped('preempted', `pod disrupted: ${message}`);
  const terminated = pods.map((p) => trainerState(p)?.terminated).find((t) => t !== undefined);
  const code = terminated?.exitCode;
  if (code === TRAINER_EXIT.preempted) return stopped('preempted', 'the trainer checkpointed after SIGTERM and exited 75', code);
  if (code === TRAINER_EXIT.badInput) return stopped('input', 'the trainer refused its input (exit 65)', code);
  if (terminated?.reason === 'OOMKilled') return stopped('node', 'the trainer was OOM-killed', code);
  if (code !== undefined && code > 128) return stopped('node', `the trainer was killed by signal ${code - 128}`, code);
  if (code !== undefined) return stopped('unknown', `the trainer exited with code ${code}`, code);
  return stopped('node', `Job failed (${reason}) and its Pod is gone: ${message}`.trim());
}

function evicted(workload: KubeWorkload | undefined): AttemptStatus | undefined {
  const condition = trueCondition(workload?.status?.conditions, 'Evicted') ?? trueCondition(workload?.status?.conditions, 'Preempted');
  if (!condition) return undefined;
  const why = `${condition.reason ?? 'Evicted'}: ${condition.message ?? ''}`.trim();
  return CANCELLED_EVICTIONS.has(condition.reason ?? '') ? stopped('cancelled', `Kueue deactivated the workload (${why})`) : stopped('preempted', `evicted by Kueue (${why})`);
}

function podPending(pod: KubePod | undefined, obs: KubeObservation): AttemptStatus {
  const waiting = pod ? trainerState(pod)?.waiting : undefined;
  if (pod && waiting?.reason && IMAGE_PULL.has(waiting.reason)) {
    const since = Date.parse(pod.metadata.creationTimestamp ?? '');
    const waited = (obs.now.getTime() - since) / 1000;
    if (Number.isFinite(waited) && waited >= obs.imagePullFailSeconds) {
      return stopped('node', `image pull failed for ${Math.round(waited)} s (${waiting.reason}): ${waiting.message ?? ''}`.trim());
    }
    return { state: 'pending', reason: `${waiting.reason}: ${waiting.message ?? ''}`.trim() };
  }
  const unschedulable = pod?.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
  return { state: 'pending', reason: unschedulable?.message ?? waiting?.reason ?? 'pod starting' };
}

function deleted(job: KubeJob, pods: KubePod[], active: number): AttemptStatus {
  if (active > 0 || pods.some((p) => p.status?.phase === 'Running' || p.status?.phase === 'Pending')) {
    return { state: 'running', node: newestPod(pods)?.spec?.nodeName };
  }
  if (job.metadata.annotations?.[PREEMPTED_ANNOTATION]) return stopped('preempted', 'preempted by the orchestrator (Job deleted after SIGTERM)');
  return stopped('cancelled', 'the Job was deleted');
}

/** Maps what the API server says about one attempt to the executor's status. */
export function kubeAttemptStatus(obs: KubeObservation): AttemptStatus {
  const { job, workload, pods } = obs;
  const conditions = job.status?.conditions;
  const active = (job.status?.active ?? 0) + (job.status?.terminating ?? 0);
  if (trueCondition(conditions, 'Complete')) return { state: 'succeeded' };
  if (trueCondition(conditions, 'Failed')) return failedJob(job, pods);
  if (job.metadata.deletionTimestamp) return deleted(job, pods, active);
  const eviction = evicted(workload);
  if (eviction) return active > 0 ? { state: 'running', node: newestPod(pods)?.spec?.nodeName } : eviction;
  if (job.spec.suspend !== false) {
    const quota = workload?.status?.conditions?.find((c) => c.type === 'QuotaReserved' && c.status === 'False');
    return { state: 'pending', reason: quota?.message ?? (workload ? 'waiting for Kueue admission' : 'waiting for Kueue to create the workload') };
  }
  const pod = newestPod(pods);
  if (pod?.status?.phase === 'Running') return { state: 'running', node: pod.spec?.nodeName };
  return podPending(pod, obs);
}
