// Node pools as data: the operator's node pool file (JSON, NodePoolFileSchema) read once at the
// orchestrator's start, and the executor each pool's kind needs. The orchestrator's scheduler
// picks a pool (a job's `nodePool`, else the first that fits) and asks `executorForPool` for it.
import { KubernetesPoolSettingsSchema, NodePoolFileSchema, SlurmPoolSettingsSchema, type NodePool } from '@medgrade/contracts';
import type { Executor } from './executor.ts';
import type { KubeApi } from './kubernetes/k8s.client.ts';
import { createKubernetesExecutor } from './kubernetes/k8s.executor.ts';
import type { SlurmCli } from './slurm/slurm.cli.ts';
import { createSlurmExecutor } from './slurm/slurm.executor.ts';

/** One pool of the node pool file (contracts' NodePool; `NodePool` alone is the Prisma row). */
export type NodePoolDefinition = NodePool;

/** Parses a node pool file; throws one error naming every bad field (the file is operator config). */
export function parseNodePoolFile(text: string, source: string): NodePool[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`node pool file ${source} is not JSON: ${(err as Error).message}`, { cause: err });
  }
  const parsed = NodePoolFileSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`node pool file ${source} is invalid (see README "Node pools"):\n  ${issues.join('\n  ')}`);
  }
  return parsed.data.nodePools;
}

/** What each executor kind is built from; the local executor comes from the orchestrator. */
export interface ExecutorAdapters {
  local: (pool: Extract<NodePool, { executor: 'local' }>) => Executor;
  slurmCli: () => SlurmCli;
  kubeApi: () => KubeApi;
}

/** The executor for one pool (build once per pool and keep it). */
export function executorForPool(pool: NodePool, adapters: ExecutorAdapters): Executor {
  switch (pool.executor) {
    case 'local':
      return adapters.local(pool);
    case 'slurm':
      return createSlurmExecutor({ settings: pool.slurm, cli: adapters.slurmCli() });
    case 'kubernetes':
      return createKubernetesExecutor({ settings: pool.kubernetes, api: adapters.kubeApi() });
  }
}

/** A stored pool row as the orchestrator reads it (settings are the executor's, as JSON). */
export interface StoredNodePool {
  name: string;
  settings: unknown;
}

/** The Slurm and Kubernetes executor builders the orchestrator takes, over stored pool rows. */
export function poolExecutors(adapters: Pick<ExecutorAdapters, 'slurmCli' | 'kubeApi'>) {
  let cli: SlurmCli | undefined;
  let api: KubeApi | undefined;
  return {
    slurm: (pool: StoredNodePool): Executor => createSlurmExecutor({ settings: SlurmPoolSettingsSchema.parse(pool.settings), cli: (cli ??= adapters.slurmCli()) }),
    kubernetes: (pool: StoredNodePool): Executor => createKubernetesExecutor({ settings: KubernetesPoolSettingsSchema.parse(pool.settings), api: (api ??= adapters.kubeApi()) }),
  };
}

/** The row a pool definition is stored as (upserted by name at the orchestrator's start). */
export function nodePoolRow(pool: NodePool) {
  const settings = pool.executor === 'slurm' ? pool.slurm : pool.executor === 'kubernetes' ? pool.kubernetes : {};
  return { name: pool.name, executorKind: pool.executor, gpuType: pool.gpuType, gpusPerNode: pool.gpusPerNode, capacityGpus: pool.capacityGpus, spot: pool.spot, settings };
}
