export * from './executor.ts';
export * from './evaluation/evaluator.ts';
// The snapshot key layout lives with every other object key (@medgrade/storage/keys); re-exported
// here because the orchestrator and the dataset routes reach it through this package.
export { SNAPSHOT_SPLITS, snapshotKeys, type SnapshotKeys, type SnapshotSplit } from '@medgrade/storage/keys';
export * from './slurm/slurm.cli.ts';
export * from './slurm/slurm.executor.ts';
export { buildSbatch, parseScontrolJob, slurmJobName, slurmLogPath, slurmStatus } from './slurm/slurm.job.ts';
export * from './evaluation/evaluation.errors.ts';
export * from './evaluation/evaluation.ports.ts';
export * from './evaluation/gate.policy.ts';
export * from './evaluation/candidate.evaluator.ts';
export * from './evaluation/trainer.process.ts';
export * from './evaluation/test-split.ts';
export * from './kubernetes/k8s.client.ts';
export * from './kubernetes/k8s.executor.ts';
export { buildAttemptJob, kubeJobName } from './kubernetes/k8s.job.ts';
export { kubeAttemptStatus } from './kubernetes/k8s.status.ts';
export type { KubeJob, KubePod, KubeWorkload } from './kubernetes/k8s.types.ts';
export * from './node-pools.ts';
