// The only module that touches @kubernetes/client-node (STYLE.md 17). It speaks plain JSON (the
// API server's wire format) to the rest of the executor, so the executor's logic is tested over
// recorded API responses (fixtures/) without a cluster.
import {
  ApiException,
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
// Not re-exported by the package index; the version is pinned (package.json) for this deep import.
import { ObjectSerializer } from '@kubernetes/client-node/dist/serializer.js';
import type { KubeJob, KubePod, KubeWorkload } from './k8s.types.ts';

/** What the Kubernetes executor needs from the API server. */
export interface KubeApi {
  /** Creates the Job; 'exists' when a Job of that name is already there (a retried submit). */
  createJob(namespace: string, job: KubeJob): Promise<'created' | 'exists'>;
  /** null on 404. */
  readJob(namespace: string, name: string): Promise<KubeJob | null>;
  /** Adds annotations (JSON merge patch); a missing Job is not an error. */
  annotateJob(namespace: string, name: string, annotations: Record<string, string>): Promise<void>;
  /**
   * Deletes the Job and its Pods; a missing Job is not an error. Background: gone at once.
   * Foreground: the Job stays (with deletionTimestamp) until its Pods have terminated.
   */
  deleteJob(namespace: string, name: string, propagation?: 'Background' | 'Foreground'): Promise<void>;
  /** Kueue Workloads owned by the Job (label kueue.x-k8s.io/job-uid). */
  listWorkloads(namespace: string, jobUid: string): Promise<KubeWorkload[]>;
  /** The Job's Pods (label batch.kubernetes.io/job-name). */
  listPods(namespace: string, jobName: string): Promise<KubePod[]>;
  /** The last bytes of a Pod's trainer container log. */
  podLog(namespace: string, pod: string, maxBytes: number): Promise<string>;
}

const KUEUE = { group: 'kueue.x-k8s.io', version: 'v1beta2', plural: 'workloads' };

function isStatus(err: unknown, code: number): boolean {
  return err instanceof ApiException && err.code === code;
}

/** Plain JSON (wire format) of a generated model object. */
function wire<T>(value: unknown, type: string): T {
  return ObjectSerializer.serialize(value, type, '') as T;
}

/** The real API, from a kubeconfig file or (in a Pod) the service account. */
export function createKubeApi(options: { kubeconfigPath?: string } = {}): KubeApi {
  const config = new KubeConfig();
  if (options.kubeconfigPath) config.loadFromFile(options.kubeconfigPath);
  else config.loadFromDefault();
  const batch = config.makeApiClient(BatchV1Api);
  const core = config.makeApiClient(CoreV1Api);
  const custom = config.makeApiClient(CustomObjectsApi);
  return {
    async createJob(namespace, job) {
      const body = ObjectSerializer.deserialize(job, 'V1Job', '');
      try {
        await batch.createNamespacedJob({ namespace, body, fieldValidation: 'Strict' });
        return 'created';
      } catch (err) {
        if (isStatus(err, 409)) return 'exists';
        throw err;
      }
    },
    async readJob(namespace, name) {
      try {
        return wire<KubeJob>(await batch.readNamespacedJob({ namespace, name }), 'V1Job');
      } catch (err) {
        if (isStatus(err, 404)) return null;
        throw err;
      }
    },
    async annotateJob(namespace, name, annotations) {
      try {
        await batch.patchNamespacedJob({ namespace, name, body: { metadata: { annotations } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
      } catch (err) {
        if (!isStatus(err, 404)) throw err;
      }
    },
    async deleteJob(namespace, name, propagation = 'Background') {
      try {
        await batch.deleteNamespacedJob({ namespace, name, propagationPolicy: propagation });
      } catch (err) {
        if (!isStatus(err, 404)) throw err;
      }
    },
    async listWorkloads(namespace, jobUid) {
      const list = await custom.listNamespacedCustomObject({ ...KUEUE, namespace, labelSelector: `kueue.x-k8s.io/job-uid=${jobUid}` });
      return (list as { items?: KubeWorkload[] }).items ?? [];
    },
    async listPods(namespace, jobName) {
      const list = await core.listNamespacedPod({ namespace, labelSelector: `batch.kubernetes.io/job-name=${jobName}` });
      return wire<{ items?: KubePod[] }>(list, 'V1PodList').items ?? [];
    },
    async podLog(namespace, pod, maxBytes) {
      return core.readNamespacedPodLog({ namespace, name: pod, container: 'trainer', limitBytes: maxBytes });
    },
  };
}

/**
 * Fields of `manifest` that the typed model of `type` (e.g. V1Job) does not know: the strict
 * unknown-field check the JSON schema leaves out (Kubernetes' OpenAPI allows extra properties;
 * the API server with fieldValidation=Strict refuses them).
 */
export function unknownFields(manifest: unknown, type: string): string[] {
  const roundTrip = wire<unknown>(ObjectSerializer.deserialize(manifest, type, ''), type);
  const missing: string[] = [];
  const walk = (a: unknown, b: unknown, path: string) => {
    if (Array.isArray(a)) {
      a.forEach((item, i) => walk(item, Array.isArray(b) ? b[i] : undefined, `${path}[${i}]`));
      return;
    }
    if (a === null || typeof a !== 'object') return;
    const other = (b ?? {}) as Record<string, unknown>;
    for (const [key, value] of Object.entries(a)) {
      if (!(key in other)) missing.push(`${path}.${key}`);
      else walk(value, other[key], `${path}.${key}`);
    }
  };
  walk(manifest, roundTrip, '');
  return missing;
}
