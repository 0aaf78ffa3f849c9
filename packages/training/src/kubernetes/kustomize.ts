// The subset of kustomize that infra/kubernetes uses, so CI renders and validates the overlays
// offline (no kustomize binary here, and no maintained npm implementation): `resources` (files and
// directories with their own kustomization.yaml), `namespace`, `labels[].pairs`, and `patches` by
// path as strategic-merge patches (maps merge; lists of named objects — containers, env, ports —
// merge by name; other lists are replaced). Anything else in a kustomization is refused, so a
// manifest using a feature this does not implement fails the test instead of rendering wrongly.
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
}

interface Kustomization {
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  labels?: Array<{ pairs: Record<string, string> }>;
  resources?: string[];
  patches?: Array<{ path: string }>;
}

const SUPPORTED = new Set(['apiVersion', 'kind', 'namespace', 'labels', 'resources', 'patches']);
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'PriorityClass', 'CustomResourceDefinition', 'ResourceFlavor', 'ClusterQueue', 'WorkloadPriorityClass', 'Cohort']);

/** Every YAML document in a file. */
export function readManifests(path: string): Manifest[] {
  return parseAllDocuments(readFileSync(path, 'utf8'))
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors[0].message}`);
      return doc.toJSON() as Manifest | null;
    })
    .filter((m): m is Manifest => m !== null);
}

const idOf = (m: Manifest) => `${m.apiVersion}/${m.kind}/${m.metadata.namespace ?? ''}/${m.metadata.name}`;
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Strategic-merge of `patch` into `base` (see the file comment for the rules). */
export function mergePatch(base: unknown, patch: unknown): unknown {
  if (isObject(base) && isObject(patch)) {
    const out: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(patch)) out[key] = key in base ? mergePatch(base[key], value) : value;
    return out;
  }
  const named = (list: unknown[]) => list.every((item) => isObject(item) && typeof item.name === 'string');
  if (Array.isArray(base) && Array.isArray(patch) && named(base) && named(patch)) {
    const out = [...base] as Array<Record<string, unknown>>;
    for (const item of patch as Array<Record<string, unknown>>) {
      const at = out.findIndex((b) => b.name === item.name);
      if (at >= 0) out[at] = mergePatch(out[at], item) as Record<string, unknown>;
      else out.push(item);
    }
    return out;
  }
  return patch;
}

/** Renders the kustomization in `dir` to its list of resources. */
export function renderKustomization(dir: string, files: Set<string> = new Set()): Manifest[] {
  const path = join(dir, 'kustomization.yaml');
  files.add(path);
  const k = readManifests(path)[0] as unknown as Kustomization;
  const unknown = Object.keys(k).filter((key) => !SUPPORTED.has(key));
  if (unknown.length > 0) throw new Error(`${path}: unsupported kustomization fields ${unknown.join(', ')}`);
  let resources: Manifest[] = [];
  for (const entry of k.resources ?? []) {
    const target = join(dir, entry);
    if (statSync(target).isDirectory()) resources.push(...renderKustomization(target, files));
    else {
      files.add(target);
      resources.push(...readManifests(target));
    }
  }
  for (const { path: patchPath } of k.patches ?? []) {
    const file = join(dir, patchPath);
    files.add(file);
    for (const patch of readManifests(file)) resources = applyPatch(resources, patch, file);
  }
  resources = resources.map((m) => transform(m, k));
  const seen = new Set<string>();
  for (const m of resources) {
    if (seen.has(idOf(m))) throw new Error(`${dirname(path)}: ${idOf(m)} is defined twice`);
    seen.add(idOf(m));
  }
  return resources;
}

function applyPatch(resources: Manifest[], patch: Manifest, file: string): Manifest[] {
  const matches = (m: Manifest) => m.apiVersion === patch.apiVersion && m.kind === patch.kind && m.metadata.name === patch.metadata.name;
  if (!resources.some(matches)) throw new Error(`${file}: patch target ${patch.kind}/${patch.metadata.name} not found`);
  return resources.map((m) => (matches(m) ? (mergePatch(m, patch) as Manifest) : m));
}

function transform(m: Manifest, k: Kustomization): Manifest {
  const labels = Object.assign({}, ...(k.labels ?? []).map((l) => l.pairs)) as Record<string, string>;
  const metadata = { ...m.metadata, labels: { ...m.metadata.labels, ...labels } };
  if (Object.keys(metadata.labels).length === 0) delete (metadata as { labels?: unknown }).labels;
  if (k.namespace && !CLUSTER_SCOPED.has(m.kind)) metadata.namespace = k.namespace;
  return { ...m, metadata };
}
