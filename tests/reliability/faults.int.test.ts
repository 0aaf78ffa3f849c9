// Faults mid-ingest (issue 14): the platform's real processes (gateway, deid-worker, inference,
// inference-worker as `node` children on a private Postgres cluster, a private redis-server and
// s3rver behind a proxy that can refuse writes: tests/reliability/platform.ts), one fault per test
// during a stream of uploads with queued inferences waiting: SIGKILL of the gateway, the
// deid-worker and the inference service, a restart of Redis (which comes back empty) and of
// Postgres, the object store refusing writes for 30 s. After the killed process is started again
// and the reconcilers have run, every accepted instance is READY exactly once (or REJECTED with a
// reason), nothing is FAILED or stuck, no raw object is left, the audit chain is intact, and every
// accepted inference SUCCEEDED once (faults.scenario.ts lists the checks). The full-size run (500
// uploads per fault) is `pnpm bench:faults` (bench/reliability/README.md).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FAULTS, runFaultScenario } from './faults.scenario.ts';
import { startPlatform, type Platform } from './platform.ts';

const UPLOADS = Number(process.env.FAULTS_N ?? 120);

describe('faults mid-ingest', () => {
  // A fresh platform per fault: s3rver (the test double of S3) can be left unable to list its bucket
  // by a client killed mid-PUT, which real S3 (atomic PUTs) never is (bench/reliability README).
  let platform: Platform;
  beforeEach(async () => {
    platform = await startPlatform({ model: true });
  }, 300_000);
  afterEach(async () => {
    await platform?.close();
  }, 120_000);

  for (const [i, fault] of FAULTS.entries()) {
    it(`${fault.name}: every accepted instance READY once, no raw object left, audit intact, queued inferences done`, { timeout: 600_000 }, async () => {
      const report = await runFaultScenario(platform, fault, { uploads: UPLOADS, concurrency: 4, inferences: 8, seed: 1400 + i, settleMs: 420_000 });
      console.log(JSON.stringify(report));
      expect(report.problems).toEqual([]);
      // The stream's uploads and the recovery probe's, each READY once.
      expect(report.final).toEqual({ READY: UPLOADS + 1 });
      expect(report.inferences.accepted).toBeGreaterThan(1);
      expect(report.inferences.succeeded).toBe(report.inferences.accepted);
      expect(report.probe.readyMs).not.toBeNull();
      expect(report.probe.inferenceMs).not.toBeNull();
    });
  }
});
