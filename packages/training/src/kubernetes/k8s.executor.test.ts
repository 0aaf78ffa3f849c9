import { readFileSync } from 'node:fs';
import { KubernetesPoolSettingsSchema } from '@medgrade/contracts';
import { describe, expect, it } from 'vitest';
import type { AttemptSpec } from '../executor.ts';
import type { KubeApi } from './k8s.client.ts';
import { createKubernetesExecutor } from './k8s.executor.ts';
import { buildAttemptJob, kubeJobName } from './k8s.job.ts';
import { kubeAttemptStatus, PREEMPTED_ANNOTATION } from './k8s.status.ts';
import type { KubeJob, KubePod, KubeWorkload } from './k8s.types.ts';
import { validateManifest } from './manifest.schema.ts';

// Fixtures: API responses (Job, Kueue v1beta2 Workload, Pods) as a cluster with Kueue returns them
// in each scenario, written by hand after the objects Kubernetes 1.31 and Kueue 0.19 produce (no
// API server runs here) and validated below against the same published schemas as our manifests.
interface Recorded {
  job: KubeJob;
  workload?: KubeWorkload;
  pods: KubePod[];
}
const SCENARIOS = ['pending-quota', 'admitted-running', 'evicted-terminating', 'evicted-preempted', 'pod-disruption', 'image-pull', 'succeeded', 'bad-input'];
const recorded = (name: string): Recorded => JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8'));

const settings = KubernetesPoolSettingsSchema.parse({
  namespace: 'tenant-a',
  localQueue: 'training',
  priorityClass: 'standard',
  image: 'registry.example.org/medgrade/trainer:0.1.0',
  storeSecret: 'medgrade-object-store',
  nodeSelector: { 'cloud.google.com/gke-accelerator': 'nvidia-a100-80gb' },
  tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
});
const spec: AttemptSpec = {
  jobId: '3f0c2a9e-7d41-4c55-9a57-0d9e2b6c1e10',
  orgId: 'org-1',
  attempt: 1,
  nodePool: 'a100',
  gpus: 1,
  command: ['python3', '-m', 'medgrade_trainer', 'attempt', '--spec', '@/etc/medgrade/spec.json'],
  env: { MEDGRADE_ATTEMPT_PREFIX: 'finetune/org-1/x/attempts/1/' },
  timeLimitSeconds: 7200,
};
const NOW = new Date('2026-12-07T00:21:00Z');
const statusOf = (name: string, now = NOW) => kubeAttemptStatus({ ...recorded(name), now, imagePullFailSeconds: 300 });

describe('recorded API responses are valid objects', () => {
  it.each(SCENARIOS)('%s', (name) => {
    const { job, workload, pods } = recorded(name);
    const objects = [job, ...(workload ? [workload] : []), ...pods];
    expect(objects.flatMap((o) => validateManifest(o))).toEqual([]);
  });
});

describe('status from Job + Workload + Pods', () => {
  it('not admitted: pending with the quota Kueue is short of', () => {
    expect(statusOf('pending-quota')).toEqual({ state: 'pending', reason: expect.stringContaining('insufficient unused quota for nvidia.com/gpu') });
  });

  it('admitted and running on its node', () => {
    expect(statusOf('admitted-running')).toEqual({ state: 'running', node: 'gke-gpu-a100-pool-7f3c' });
  });

  it('evicted by Kueue: running while the Pod checkpoints, preempted once it is gone', () => {
    expect(statusOf('evicted-terminating')).toEqual({ state: 'running', node: 'gke-gpu-a100-pool-7f3c' });
    expect(statusOf('evicted-preempted')).toMatchObject({ state: 'stopped', cause: 'preempted', reason: expect.stringMatching(/^evicted by Kueue \(Preempted: /) });
  });

  it('pod disruption (DisruptionTarget → FailJob) is preempted', () => {
    expect(statusOf('pod-disruption')).toMatchObject({ state: 'stopped', cause: 'preempted', reason: expect.stringContaining('DisruptionTarget') });
  });

  it('image pull failure: pending within the bound, a node failure after it', () => {
    expect(statusOf('image-pull')).toMatchObject({ state: 'pending', reason: expect.stringContaining('ImagePullBackOff') });
    expect(statusOf('image-pull', new Date('2026-12-07T00:25:05Z'))).toMatchObject({ state: 'stopped', cause: 'node', reason: expect.stringContaining('image pull failed for 300 s') });
  });

  it('success, and exit 65 is bad input', () => {
    expect(statusOf('succeeded')).toEqual({ state: 'succeeded' });
    expect(statusOf('bad-input')).toMatchObject({ state: 'stopped', cause: 'input', exitCode: 65 });
  });
});

describe('the attempt Job', () => {
  const job = buildAttemptJob(spec, settings);

  it('validates against the Kubernetes schema, unknown fields included', () => {
    expect(validateManifest(job)).toEqual([]);
    expect(validateManifest({ ...job, spec: { ...job.spec, backofLimit: 0 } })).toEqual(['batch/v1/Job: unknown field .spec.backofLimit']);
  });

  it('is suspended for Kueue, never retried by Kubernetes, fails on disruption, asks for the GPU and reads the store Secret', () => {
    expect(job.metadata.labels).toMatchObject({ 'kueue.x-k8s.io/queue-name': 'training', 'kueue.x-k8s.io/priority-class': 'standard' });
    expect(job.spec).toMatchObject({ suspend: true, backoffLimit: 0, activeDeadlineSeconds: 7200 });
    expect(job.spec.podFailurePolicy).toEqual({
      rules: [
        { action: 'FailJob', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
        { action: 'FailJob', onExitCodes: { containerName: 'trainer', operator: 'In', values: [65, 75] } },
      ],
    });
    const container = (job.spec.template as { spec: { containers: Array<Record<string, unknown>> } }).spec.containers[0];
    expect(container.resources).toEqual({ requests: { cpu: '2', memory: '8Gi', 'nvidia.com/gpu': '1' }, limits: { memory: '8Gi', 'nvidia.com/gpu': '1' } });
    expect(container.envFrom).toEqual([{ secretRef: { name: 'medgrade-object-store' } }]);
    expect(JSON.stringify(job)).not.toMatch(/SECRET|PASSWORD|AWS_/);
  });

  it('names are DNS labels that keep the attempt', () => {
    expect(kubeJobName({ jobId: 'A'.repeat(80), attempt: 12 })).toMatch(/^mg-a+-a12$/);
    expect(kubeJobName({ jobId: 'A'.repeat(80), attempt: 12 })).toHaveLength(63);
  });
});

function fakeApi(scenario: Recorded | null) {
  const calls: string[] = [];
  let job = scenario?.job ?? null;
  const api: KubeApi = {
    createJob: async (ns, j) => (calls.push(`create ${ns}/${j.metadata.name}`), job ? 'exists' : ((job = j), 'created')),
    readJob: async () => job,
    annotateJob: async (ns, name, a) => {
      calls.push(`annotate ${ns}/${name} ${Object.keys(a).join(',')}`);
      if (job) job = { ...job, metadata: { ...job.metadata, annotations: { ...job.metadata.annotations, ...a } } };
    },
    deleteJob: async (ns, name, propagation = 'Background') => {
      calls.push(`delete ${ns}/${name} ${propagation}`);
      if (job) job = { ...job, metadata: { ...job.metadata, deletionTimestamp: NOW.toISOString() } };
    },
    listWorkloads: async (_ns, uid) => (calls.push(`workloads ${uid}`), scenario?.workload ? [scenario.workload] : []),
    listPods: async () => scenario?.pods ?? [],
    podLog: async (_ns, pod, max) => `${pod}:${max}`,
  };
  const podsGone = () => {
    if (scenario) scenario.pods = [];
    if (job) job = { ...job, status: { active: 0 } };
  };
  return { api, calls, podsGone };
}

describe('KubernetesExecutor', () => {
  const handle = { kind: 'kubernetes' as const, externalId: `tenant-a/${kubeJobName(spec)}` };

  it('submit creates the Job once; a resubmit finds it', async () => {
    const { api, calls } = fakeApi(null);
    const executor = createKubernetesExecutor({ api, settings, now: () => NOW });
    expect(await executor.submit(spec)).toEqual(handle);
    expect(await executor.submit(spec)).toEqual(handle);
    expect(calls).toEqual([`create ${handle.externalId}`, `create ${handle.externalId}`]);
    expect(await executor.status(handle)).toMatchObject({ state: 'pending', reason: 'waiting for Kueue to create the workload' });
  });

  it('status follows the Workload owned by the Job uid', async () => {
    const { api, calls } = fakeApi(recorded('admitted-running'));
    expect(await createKubernetesExecutor({ api, settings }).status(handle)).toMatchObject({ state: 'running' });
    expect(calls).toContain('workloads 8c1d6a7e-2b1f-4f0e-9f3a-5d2c7b9e4a11');
  });

  it('cancel deletes in the background; a gone Job is lost', async () => {
    const { api, calls } = fakeApi(null);
    const executor = createKubernetesExecutor({ api, settings });
    await executor.cancel(handle);
    expect(calls).toEqual([`delete ${handle.externalId} Background`]);
    expect(await executor.status(handle)).toEqual({ state: 'lost' });
  });

  it('preempt marks and deletes in the foreground: running while the Pod checkpoints, then preempted', async () => {
    const scenario = recorded('admitted-running');
    const { api, calls, podsGone } = fakeApi(scenario);
    const executor = createKubernetesExecutor({ api, settings, now: () => NOW });
    await executor.preempt(handle);
    expect(calls).toEqual([`annotate ${handle.externalId} ${PREEMPTED_ANNOTATION}`, `delete ${handle.externalId} Foreground`]);
    expect(await executor.status(handle)).toMatchObject({ state: 'running' });
    podsGone();
    expect(await executor.status(handle)).toMatchObject({ state: 'stopped', cause: 'preempted' });
  });

  it('logs come from the newest Pod', async () => {
    const { api } = fakeApi(recorded('admitted-running'));
    expect(await createKubernetesExecutor({ api, settings }).logs(handle, 10)).toBe(`${kubeJobName(spec)}-x7k2p:10`);
    await expect(createKubernetesExecutor({ api, settings }).status({ kind: 'slurm', externalId: '1' })).rejects.toThrow(/not a Kubernetes attempt handle/);
  });
});
