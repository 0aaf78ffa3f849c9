// Every file under infra/kubernetes is rendered (kustomize.ts) and every resource validated against
// the published Kubernetes and Kueue schemas (manifest.schema.ts); the Kueue CRDs kept there for
// validation are themselves validated as CustomResourceDefinitions.
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readManifests, renderKustomization, type Manifest } from './kustomize.ts';
import { validateManifest } from './manifest.schema.ts';

const INFRA = fileURLToPath(new URL('../../../../infra/kubernetes/', import.meta.url));
const SCHEMAS = join(INFRA, 'schemas');
const TARGETS = ['base', 'overlays/dev', 'overlays/gpu'];
const SERVICES = ['gateway', 'deid-worker', 'inference', 'training-orchestrator'];

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return path === SCHEMAS ? [] : yamlFiles(path);
    return /\.ya?ml$/.test(e.name) ? [path] : [];
  });
}

const rendered = new Map<string, Manifest[]>();
const used = new Set<string>();
for (const target of TARGETS) rendered.set(target, renderKustomization(join(INFRA, target), used));
const find = (target: string, kind: string, name?: string) => rendered.get(target)!.filter((m) => m.kind === kind && (name === undefined || m.metadata.name === name));
type Container = { name: string; image: string; resources?: { requests?: Record<string, string> }; env?: Array<{ name: string; value?: string }>; [k: string]: unknown };
type PodSpec = { containers: Container[]; nodeSelector?: Record<string, string>; tolerations?: unknown[] };
const podSpec = (m: Manifest) => (m.spec as { template: { spec: PodSpec } }).template.spec;

describe('infra/kubernetes', () => {
  it('every YAML file is part of a rendered kustomization', () => {
    expect(yamlFiles(INFRA).filter((f) => !used.has(f)).map((f) => relative(INFRA, f))).toEqual([]);
  });

  it.each(TARGETS)('%s: every resource is valid against its schema', (target) => {
    const problems = rendered.get(target)!.flatMap((m) => validateManifest(m).map((p) => `${m.kind}/${m.metadata.name}: ${p}`));
    expect(problems).toEqual([]);
  });

  it('the validation catches a misspelt field and a bad enum in rendered resources', () => {
    const [deployment] = find('overlays/gpu', 'Deployment', 'inference');
    const spec = podSpec(deployment);
    const broken = { ...deployment, spec: { ...(deployment.spec as object), template: { spec: { ...spec, containers: [{ ...spec.containers[0], livenessProb: {} }] } } } };
    expect(validateManifest(broken)).toEqual(['apps/v1/Deployment: unknown field .spec.template.spec.containers[0].livenessProb']);
    const [queue] = find('overlays/gpu', 'ClusterQueue');
    const badQueue = { ...queue, spec: { ...(queue.spec as object), preemption: { withinClusterQueue: 'Sometimes' } } };
    expect(validateManifest(badQueue).join()).toMatch(/preemption\/withinClusterQueue: must be equal to one of the allowed values/);
  });

  it('the Kueue CRDs kept for validation are valid CustomResourceDefinitions', () => {
    const crds = readdirSync(join(SCHEMAS, 'kueue')).filter((f) => f.endsWith('.yaml')).flatMap((f) => readManifests(join(SCHEMAS, 'kueue', f)));
    expect(crds.length).toBe(5);
    expect(crds.flatMap((m) => validateManifest(m))).toEqual([]);
  });

  it.each(TARGETS)('%s: each service has probes, resource requests and a disruption budget; HTTP services autoscale', (target) => {
    for (const name of SERVICES) {
      const [deployment] = find(target, 'Deployment', name);
      const [container] = podSpec(deployment).containers;
      expect(container.livenessProbe, name).toBeDefined();
      expect(container.resources?.requests?.cpu, name).toBeDefined();
      expect(find(target, 'PodDisruptionBudget', name), name).toHaveLength(1);
      if (name !== 'training-orchestrator') expect(find(target, 'HorizontalPodAutoscaler', name), name).toHaveLength(1);
    }
  });

  it.each(TARGETS)('%s: Postgres, Redis and S3 come from Secrets, never from the manifests', (target) => {
    expect(find(target, 'Secret')).toEqual([]);
    const text = JSON.stringify(rendered.get(target));
    expect(text).not.toMatch(/postgres(ql)?:\/\/|rediss?:\/\/|S3_SECRET_ACCESS_KEY|PROJECT_SECRET_KEY/);
    const [gateway] = podSpec(find(target, 'Deployment', 'gateway')[0]).containers;
    expect(gateway.envFrom).toEqual(expect.arrayContaining([{ secretRef: { name: 'medgrade-database' } }, { secretRef: { name: 'medgrade-object-store' } }]));
  });

  it('dev runs one replica with small requests', () => {
    const [gateway] = find('overlays/dev', 'Deployment', 'gateway');
    expect((gateway.spec as { replicas: number }).replicas).toBe(1);
    expect(podSpec(gateway).containers[0].resources?.requests).toEqual({ cpu: '100m', memory: '256Mi' });
  });

  it('gpu: inference on GPU nodes with the CUDA execution provider', () => {
    const spec = podSpec(find('overlays/gpu', 'Deployment', 'inference')[0]);
    expect(spec.nodeSelector).toEqual({ 'nvidia.com/gpu.product': 'NVIDIA-L4' });
    expect(spec.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    const [inference] = spec.containers;
    expect(inference.resources).toMatchObject({ requests: { cpu: '1', memory: '2Gi', 'nvidia.com/gpu': '1' }, limits: { 'nvidia.com/gpu': '1' } });
    expect(inference.env).toContainEqual({ name: 'INFERENCE_EXECUTION_PROVIDERS', value: 'cuda,cpu' });
    expect(podSpec(find('base', 'Deployment', 'inference')[0]).containers[0].resources?.requests).not.toHaveProperty('nvidia.com/gpu');
  });

  it('gpu: a ResourceFlavor per GPU type, a ClusterQueue in a cohort with preemption, a LocalQueue per tenant namespace', () => {
    expect(find('overlays/gpu', 'ResourceFlavor').map((m) => m.metadata.name)).toEqual(['a100-80g', 'l4']);
    const [queue] = find('overlays/gpu', 'ClusterQueue');
    expect(queue.spec).toMatchObject({ cohortName: 'medgrade', preemption: { reclaimWithinCohort: 'Any', withinClusterQueue: 'LowerPriority' } });
    const tenants = find('overlays/gpu', 'Namespace').filter((m) => m.metadata.labels?.['medgrade.io/tenant'] === 'true');
    const local = find('overlays/gpu', 'LocalQueue');
    expect(local.map((q) => q.metadata.namespace).sort()).toEqual(tenants.map((t) => t.metadata.name).sort());
    expect(local.every((q) => (q.spec as { clusterQueue: string }).clusterQueue === 'medgrade-gpu')).toBe(true);
    expect(find('overlays/gpu', 'WorkloadPriorityClass').map((m) => m.metadata.name)).toEqual(['urgent', 'standard', 'preemptible']);
  });

  it('base resources land in the medgrade namespace; cluster-scoped ones have none', () => {
    const base = rendered.get('base')!;
    expect(base.filter((m) => !['Namespace', 'ClusterRole', 'ClusterRoleBinding'].includes(m.kind)).every((m) => m.metadata.namespace === 'medgrade')).toBe(true);
    expect(find('base', 'ClusterRole')[0].metadata.namespace).toBeUndefined();
  });
});
