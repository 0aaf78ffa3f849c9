export * from './executor.ts';
export * from './evaluation/evaluator.ts';
export * from './dataset.keys.ts';
export * from './slurm/slurm.cli.ts';
export * from './slurm/slurm.executor.ts';
export { buildSbatch, parseScontrolJob, slurmJobName, slurmLogPath, slurmStatus } from './slurm/slurm.job.ts';
