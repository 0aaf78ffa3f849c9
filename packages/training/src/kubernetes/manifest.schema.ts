// Validates Kubernetes and Kueue manifests against their published schemas, offline (tests only:
// its libraries are devDependencies). Core types: the OpenAPI schemas compiled into
// `kubernetes-models`, plus a strict unknown-field check (the OpenAPI document allows extra
// properties; an API server with fieldValidation=Strict refuses them). Kueue types: the CRDs'
// v1beta2 openAPIV3Schema (infra/kubernetes/schemas/kueue, Kueue v0.19.2) with ajv, unknown
// fields refused except where the CRD says x-kubernetes-preserve-unknown-fields.
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Job } from 'kubernetes-models/batch/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ClusterRole, ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { PriorityClass } from 'kubernetes-models/scheduling.k8s.io/v1';
import { ConfigMap, Namespace, Pod, Service, ServiceAccount } from 'kubernetes-models/v1';
import { CustomResourceDefinition } from 'kubernetes-models/apiextensions.k8s.io/v1';
import { parse } from 'yaml';
import { unknownFields } from './k8s.client.ts';

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: never) => Validatable;

/** apiVersion/kind → [kubernetes-models class, @kubernetes/client-node model name]. */
const CORE: Record<string, [ModelClass, string]> = {
  'batch/v1/Job': [Job as unknown as ModelClass, 'V1Job'],
  'apps/v1/Deployment': [Deployment as unknown as ModelClass, 'V1Deployment'],
  'autoscaling/v2/HorizontalPodAutoscaler': [HorizontalPodAutoscaler as unknown as ModelClass, 'V2HorizontalPodAutoscaler'],
  'policy/v1/PodDisruptionBudget': [PodDisruptionBudget as unknown as ModelClass, 'V1PodDisruptionBudget'],
  'rbac.authorization.k8s.io/v1/ClusterRole': [ClusterRole as unknown as ModelClass, 'V1ClusterRole'],
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': [ClusterRoleBinding as unknown as ModelClass, 'V1ClusterRoleBinding'],
  'scheduling.k8s.io/v1/PriorityClass': [PriorityClass as unknown as ModelClass, 'V1PriorityClass'],
  'v1/ConfigMap': [ConfigMap as unknown as ModelClass, 'V1ConfigMap'],
  'v1/Namespace': [Namespace as unknown as ModelClass, 'V1Namespace'],
  'v1/Pod': [Pod as unknown as ModelClass, 'V1Pod'],
  'v1/Service': [Service as unknown as ModelClass, 'V1Service'],
  'v1/ServiceAccount': [ServiceAccount as unknown as ModelClass, 'V1ServiceAccount'],
  'apiextensions.k8s.io/v1/CustomResourceDefinition': [CustomResourceDefinition as unknown as ModelClass, 'V1CustomResourceDefinition'],
};

const KUEUE_DIR = new URL('../../../../infra/kubernetes/schemas/kueue/', import.meta.url);
const KUEUE_KINDS: Record<string, string> = {
  ClusterQueue: 'clusterqueues',
  LocalQueue: 'localqueues',
  ResourceFlavor: 'resourceflavors',
  Workload: 'workloads',
  WorkloadPriorityClass: 'workloadpriorityclasses',
};
const KUEUE_VERSION = 'v1beta2';

type Schema = Record<string, unknown>;

/** Refuses unknown fields: an object schema with properties and no escape hatch gets additionalProperties: false. */
function strict(schema: Schema): Schema {
  const out: Schema = { ...schema };
  if (out.properties && out.additionalProperties === undefined && !out['x-kubernetes-preserve-unknown-fields']) {
    out.additionalProperties = false;
  }
  for (const key of ['properties', 'patternProperties']) {
    const props = out[key] as Record<string, Schema> | undefined;
    if (props) out[key] = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, strict(v)]));
  }
  for (const key of ['items', 'additionalProperties', 'not']) {
    const sub = out[key];
    if (sub && typeof sub === 'object') out[key] = strict(sub as Schema);
  }
  for (const key of ['allOf', 'anyOf', 'oneOf']) {
    const list = out[key] as Schema[] | undefined;
    if (list) out[key] = list.map(strict);
  }
  return out;
}

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
const kueueValidators = new Map<string, ValidateFunction>();

function kueueValidator(kind: string): ValidateFunction {
  const cached = kueueValidators.get(kind);
  if (cached) return cached;
  const crd = parse(readFileSync(new URL(`kueue.x-k8s.io_${KUEUE_KINDS[kind]}.yaml`, KUEUE_DIR), 'utf8')) as {
    spec: { versions: Array<{ name: string; schema: { openAPIV3Schema: Schema } }> };
  };
  const version = crd.spec.versions.find((v) => v.name === KUEUE_VERSION);
  if (!version) throw new Error(`the ${kind} CRD has no ${KUEUE_VERSION}`);
  const validate = ajv.compile(strict(version.schema.openAPIV3Schema));
  kueueValidators.set(kind, validate);
  return validate;
}

/** Problems of one manifest against its schema; empty when valid. */
export function validateManifest(manifest: object): string[] {
  const { apiVersion = '', kind = '' } = manifest as { apiVersion?: string; kind?: string };
  const where = `${apiVersion}/${kind}`;
  if (apiVersion === `kueue.x-k8s.io/${KUEUE_VERSION}` && KUEUE_KINDS[kind]) {
    const validate = kueueValidator(kind);
    if (validate(manifest)) return [];
    return (validate.errors ?? []).map((e) => `${where}${e.instancePath}: ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`);
  }
  const core = CORE[where];
  if (!core) return [`${where}: no schema known for this apiVersion/kind`];
  const [Model, typeName] = core;
  const problems: string[] = [];
  try {
    new Model(manifest as never).validate();
  } catch (err) {
    problems.push(`${where}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return [...problems, ...unknownFields(manifest, typeName).map((f) => `${where}: unknown field ${f}`)];
}
