// Builds an attempt's batch/v1 Job for Kueue: created suspended with the LocalQueue label so Kueue
// admits it against the ClusterQueue's GPU quota (and unsuspends it), never retried by the Job
// controller (backoffLimit 0: the orchestrator owns retries, one Job per attempt), and failed at
// once with a recognisable reason when the Pod is disrupted (podFailurePolicy on DisruptionTarget:
// node drain, taint eviction, preemption by a higher-priority Pod).
import type { KubernetesPoolSettings } from '@medgrade/contracts';
import { TRAINER_EXIT, type AttemptSpec } from '../executor.ts';
import type { KubeJob } from './k8s.types.ts';

export const TRAINER_CONTAINER = 'trainer';
export const LABELS = {
  queue: 'kueue.x-k8s.io/queue-name',
  priority: 'kueue.x-k8s.io/priority-class',
  jobId: 'medgrade.io/finetune-job',
  attempt: 'medgrade.io/attempt',
} as const;
/** Seconds between SIGTERM and SIGKILL: the trainer finishes its step and uploads a checkpoint. */
const TERMINATION_GRACE_SECONDS = 120;
/** Finished Jobs stay readable a day for status and logs, then Kubernetes removes them. */
const TTL_AFTER_FINISHED_SECONDS = 86_400;

/** The Job name of an attempt (a DNS label, ≤ 63): how a resubmission finds the Job it created. */
export function kubeJobName(spec: Pick<AttemptSpec, 'jobId' | 'attempt'>): string {
  const suffix = `-a${spec.attempt}`;
  const id = spec.jobId.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  return `mg-${id}`.slice(0, 63 - suffix.length).replace(/-+$/, '') + suffix;
}

export function buildAttemptJob(spec: AttemptSpec, settings: KubernetesPoolSettings): KubeJob {
  const name = kubeJobName(spec);
  const labels: Record<string, string> = {
    'app.kubernetes.io/name': 'medgrade-trainer',
    'app.kubernetes.io/part-of': 'medgrade',
    [LABELS.jobId]: spec.jobId.slice(0, 63),
    [LABELS.attempt]: String(spec.attempt),
  };
  const jobLabels = { ...labels, [LABELS.queue]: settings.localQueue, ...(settings.priorityClass ? { [LABELS.priority]: settings.priorityClass } : {}) };
  const gpu = spec.gpus > 0 ? { 'nvidia.com/gpu': String(spec.gpus) } : {};
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: settings.namespace, labels: jobLabels, annotations: { 'medgrade.io/node-pool': spec.nodePool } },
    spec: {
      suspend: true,
      backoffLimit: 0,
      ttlSecondsAfterFinished: TTL_AFTER_FINISHED_SECONDS,
      ...(spec.timeLimitSeconds ? { activeDeadlineSeconds: spec.timeLimitSeconds } : {}),
      podFailurePolicy: {
        rules: [
          { action: 'FailJob', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
          { action: 'FailJob', onExitCodes: { containerName: TRAINER_CONTAINER, operator: 'In', values: [TRAINER_EXIT.badInput, TRAINER_EXIT.preempted] } },
        ],
      },
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
          ...(settings.serviceAccount ? { serviceAccountName: settings.serviceAccount } : {}),
          nodeSelector: settings.nodeSelector,
          tolerations: settings.tolerations,
          containers: [
            {
              name: TRAINER_CONTAINER,
              image: settings.image,
              command: spec.command,
              env: Object.entries(spec.env).map(([envName, value]) => ({ name: envName, value })),
              // Object-store endpoint, bucket and credentials: from a Secret, never in the Job.
              envFrom: [{ secretRef: { name: settings.storeSecret } }],
              resources: {
                requests: { cpu: settings.cpu, memory: settings.memory, ...gpu },
                limits: { memory: settings.memory, ...gpu },
              },
            },
          ],
        },
      },
    },
  };
}
