// The orchestrator process's app: builds the executors, the validator and the loop from adapters
// passed in (main.ts builds them from config; integration tests pass their own database and store)
// and sets the default local pool's capacity from configuration.
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Config } from '@medgrade/config';
import { REPO_ROOT, type ExecutorKind, type NodePool, type PrismaClient } from '@medgrade/db';
import type { ObjectStore } from '@medgrade/storage';
import {
  DEFAULT_NODE_POOL, FinetuneRepository, LocalExecutor, Orchestrator, TrainerValidator, nodePoolRow, type CandidateEvaluator, type Executor, type NodePoolDefinition, type InputValidator, type TrainerRuntime,
} from '@medgrade/training';

export interface OrchestratorAppDeps {
  prisma: PrismaClient;
  store: ObjectStore;
  storage: Config['storage'];
  training: Config['training'];
  evaluator: CandidateEvaluator;
  /** Executors of non-local pools (Slurm, Kubernetes), built per pool; the local one is built here. */
  executors?: Partial<Record<Exclude<ExecutorKind, 'local'>, (pool: NodePool) => Executor>>;
  /** Pools from the operator's node pool file, registered (upserted by name) at start. */
  nodePools?: NodePoolDefinition[];
  /** Defaults to the trainer's own `validate` subcommand. */
  validator?: InputValidator;
  onError?(error: unknown, context: { jobId?: string; phase: string }): void;
}

/** How the trainer finds the object store: the same root or bucket this process uses. */
export function storeEnv(storage: Config['storage']): Record<string, string> {
  if (storage.driver === 'fs') return { MEDGRADE_STORE: `fs:${resolve(REPO_ROOT, storage.fsRoot)}` };
  const { s3 } = storage;
  return {
    MEDGRADE_STORE: `s3:${s3.bucket}`,
    MEDGRADE_S3_REGION: s3.region,
    MEDGRADE_S3_PATH_STYLE: String(s3.forcePathStyle),
    ...(s3.endpoint ? { MEDGRADE_S3_ENDPOINT: s3.endpoint } : {}),
    // Every object the trainer writes (checkpoints, weights, events) is encrypted as the platform's own writes are.
    ...(s3.serverSideEncryption ? { MEDGRADE_S3_SSE: s3.serverSideEncryption } : {}),
    ...(s3.kmsKeyId ? { MEDGRADE_S3_KMS_KEY_ID: s3.kmsKeyId } : {}),
  };
}

/**
 * S3 credentials for trainer processes on this machine only (boto3's standard variables): the
 * trainer's own limited key when configured, else the platform's (`platformKey`: true, which the
 * orchestrator warns about: that key also reads quarantine/).
 */
export function storeCredentials(storage: Config['storage'], training: Config['training']): { env: Record<string, string>; platformKey: boolean } {
  if (storage.driver !== 's3') return { env: {}, platformKey: false };
  if (training.trainerS3AccessKeyId && training.trainerS3SecretAccessKey) {
    return { env: { AWS_ACCESS_KEY_ID: training.trainerS3AccessKeyId, AWS_SECRET_ACCESS_KEY: training.trainerS3SecretAccessKey }, platformKey: false };
  }
  if (!storage.s3.accessKeyId || !storage.s3.secretAccessKey) return { env: {}, platformKey: false }; // the node's own role
  return { env: { AWS_ACCESS_KEY_ID: storage.s3.accessKeyId, AWS_SECRET_ACCESS_KEY: storage.s3.secretAccessKey }, platformKey: true };
}

export function trainerRuntime(deps: Pick<OrchestratorAppDeps, 'storage' | 'training'>): TrainerRuntime {
  return { python: deps.training.python, trainerDir: join(REPO_ROOT, 'services', 'trainer'), storeEnv: storeEnv(deps.storage), localEnv: storeCredentials(deps.storage, deps.training).env };
}

/** Builds the orchestrator (not started) and makes the `cpu` pool's capacity match configuration. */
export async function buildOrchestrator(deps: OrchestratorAppDeps): Promise<Orchestrator> {
  const { training } = deps;
  await deps.prisma.nodePool.upsert({
    where: { name: DEFAULT_NODE_POOL },
    create: { name: DEFAULT_NODE_POOL, executorKind: 'local', gpusPerNode: 0, capacityGpus: training.cpuPoolCapacity },
    update: { capacityGpus: training.cpuPoolCapacity },
  });
  for (const pool of deps.nodePools ?? []) {
    const row = nodePoolRow(pool);
    await deps.prisma.nodePool.upsert({ where: { name: row.name }, create: row, update: row });
  }
  const workDir = resolve(REPO_ROOT, training.workDir);
  const runtime = trainerRuntime(deps);
  const local = new LocalExecutor({ workDir, env: runtime.localEnv });
  const executorFor = (pool: NodePool): Executor => {
    if (pool.executorKind === 'local') return local;
    const build = deps.executors?.[pool.executorKind];
    if (!build) throw new Error(`node pool ${pool.name}: no ${pool.executorKind} executor is configured in this orchestrator`);
    return build(pool);
  };
  return new Orchestrator({
    repo: new FinetuneRepository(deps.prisma),
    store: deps.store,
    executorFor,
    validator: deps.validator ?? new TrainerValidator(runtime),
    evaluator: deps.evaluator,
    runtime,
    localWorkDir: workDir,
    settings: training,
    owner: `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`,
    ...(deps.onError ? { onError: deps.onError } : {}),
  });
}
