// The Kubernetes executor: each attempt is one batch/v1 Job queued through Kueue (see k8s.job.ts),
// followed through the Job, its Kueue Workload and its Pods, deleted (Background propagation) on
// cancel. The handle is `<namespace>/<job name>`, so a restarted orchestrator re-attaches.
import type { KubernetesPoolSettings } from '@medgrade/contracts';
import type { AttemptHandle, AttemptSpec, AttemptStatus, Executor } from '../executor.ts';
import type { KubeApi } from './k8s.client.ts';
import { buildAttemptJob, kubeJobName } from './k8s.job.ts';
import { kubeAttemptStatus, PREEMPTED_ANNOTATION } from './k8s.status.ts';

export interface KubernetesExecutorDeps {
  settings: KubernetesPoolSettings;
  api: KubeApi;
  now?: () => Date;
}

function refOf(handle: AttemptHandle): { namespace: string; name: string } {
  const [namespace, name, ...rest] = handle.externalId.split('/');
  if (handle.kind !== 'kubernetes' || !namespace || !name || rest.length > 0) {
    throw new Error(`not a Kubernetes attempt handle: ${handle.kind}/${handle.externalId}`);
  }
  return { namespace, name };
}

/** An Executor over one Kueue LocalQueue (one node pool). */
export function createKubernetesExecutor(deps: KubernetesExecutorDeps): Executor {
  const { api, settings } = deps;
  const now = deps.now ?? (() => new Date());
  return {
    kind: 'kubernetes',
    async submit(spec: AttemptSpec) {
      // Idempotent per (jobId, attempt): the Job name is deterministic; a 409 means it exists.
      await api.createJob(settings.namespace, buildAttemptJob(spec, settings));
      return { kind: 'kubernetes', externalId: `${settings.namespace}/${kubeJobName(spec)}` };
    },
    async status(handle): Promise<AttemptStatus> {
      const { namespace, name } = refOf(handle);
      const job = await api.readJob(namespace, name);
      if (!job) return { state: 'lost' };
      const [workloads, pods] = await Promise.all([job.metadata.uid ? api.listWorkloads(namespace, job.metadata.uid) : [], api.listPods(namespace, name)]);
      return kubeAttemptStatus({ job, workload: workloads[0], pods, now: now(), imagePullFailSeconds: settings.imagePullFailSeconds });
    },
    async preempt(handle) {
      // Kubernetes has no "signal only" for a Pod: deleting the Job sends the trainer SIGTERM with
      // terminationGracePeriodSeconds to checkpoint. Foreground keeps the Job, marked, until the
      // Pod is gone, so status says `running` while the checkpoint uploads and `preempted` after.
      const { namespace, name } = refOf(handle);
      await api.annotateJob(namespace, name, { [PREEMPTED_ANNOTATION]: now().toISOString() });
      await api.deleteJob(namespace, name, 'Foreground');
    },
    async cancel(handle) {
      const { namespace, name } = refOf(handle);
      await api.deleteJob(namespace, name);
    },
    async logs(handle, maxBytes = 64 * 1024) {
      const { namespace, name } = refOf(handle);
      const pods = await api.listPods(namespace, name);
      const pod = pods.at(-1);
      return pod ? api.podLog(namespace, pod.metadata.name, maxBytes) : '';
    },
  };
}
