// Fine-tuning jobs under faults (issue 14): the platform's real processes plus the training
// orchestrator, whose local pool runs the real trainer against s3rver behind the refusing proxy
// (platform.ts). One snapshot made through the public API, then per fault one job (POST
// /v1/finetune-jobs, tiny hyperparameters, a loose gate) struck while it runs with an uploaded
// checkpoint: SIGKILL of the orchestrator and of the gateway (each started again), a restart of Redis
// (back empty) and of Postgres, the object store refusing writes for 30 s. Each job must end
// succeeded once with one validated version, with the attempts the fault explains (one each:
// finetune.scenario.ts says why), its events numbered without gap or duplicate, no trainer left, no
// orphan object, the audit chain intact, and the job readable through the gateway
// (finetune.checks.ts). Figures: bench/reliability/README.md.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FINETUNE_FAULTS, runFinetuneFault, snapshotThroughApi } from './finetune.scenario.ts';
import { startPlatform, type Platform } from './platform.ts';

describe('fine-tuning jobs under faults', () => {
  // One platform for every fault: the ingest suite needs a fresh one per fault because s3rver can be
  // left unable to list after a client is killed mid-PUT; here no client of the store is killed
  // (the orchestrator only reads while a job runs, the trainer is never killed).
  let platform: Platform;
  let snapshotId: string;
  beforeAll(async () => {
    platform = await startPlatform({ model: true, training: true });
    snapshotId = await snapshotThroughApi(platform, 32, 11);
  }, 300_000);
  afterAll(async () => {
    await platform?.close();
  }, 120_000);

  for (const [i, fault] of FINETUNE_FAULTS.entries()) {
    it(`${fault.name}: the running job succeeds once with one validated version, attempts as explained, events whole, nothing left over`, { timeout: 420_000 }, async () => {
      const report = await runFinetuneFault(platform, fault, snapshotId, 20 + i, 360_000);
      console.log(JSON.stringify(report));
      expect(report.problems).toEqual([]);
      expect(report.checkpointAtFault).toBeGreaterThan(0);
      expect(report.causes).toEqual(fault.causes);
      expect(report.recoveryMs).not.toBeNull();
    });
  }
});
