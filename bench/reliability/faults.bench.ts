// The full-size fault run (issue 14, "Faults mid-ingest"): each fault of
// tests/reliability/faults.scenario.ts during a stream of 500 uploads with queued inferences, on
// the platform's real processes (tests/reliability/platform.ts), each fault on a fresh platform.
// Prints each scenario's report and a summary line per fault; exits 1 if any invariant broke.
//
//   pnpm bench:faults [--n 500] [--concurrency 4] [--inferences 20] [--only <part of a fault name>]
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { FAULTS, runFaultScenario, type FaultReport } from '../../tests/reliability/faults.scenario.ts';
import { startPlatform, type Platform } from '../../tests/reliability/platform.ts';

const { values: args } = parseArgs({
  options: { n: { type: 'string', default: '500' }, concurrency: { type: 'string', default: '4' }, inferences: { type: 'string', default: '20' }, only: { type: 'string' } },
});

const faults = FAULTS.filter((f) => !args.only || f.name.includes(args.only));
const reports: FaultReport[] = [];
let platform: Platform | undefined;
// Ctrl-C or a timeout stops the platform's processes and private servers too.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void (platform?.close() ?? Promise.resolve()).finally(() => process.exit(130)));
// A fresh platform per fault: s3rver (the test double of S3) can be left unable to list its bucket by
// a client killed mid-PUT, which real S3 (atomic PUTs) never is (README, "Found").
for (const [i, fault] of faults.entries()) {
  platform = await startPlatform({ model: true });
  const options = { uploads: Number(args.n), concurrency: Number(args.concurrency), inferences: Number(args.inferences), seed: 5000 + i, settleMs: 900_000 };
  // A scenario that throws is reported as broken and the next fault still runs.
  const report = await runFaultScenario(platform, fault, options).catch((error: unknown): FaultReport => ({
    fault: fault.name, uploads: options.uploads, accepted: 0, answers: {}, final: {}, inferences: { accepted: 0, succeeded: 0 }, recoveryMs: null,
    probe: { readyMs: null, inferenceMs: null }, totalMs: 0, storeWritesRefused: 0, problems: [`scenario threw: ${(error as Error).message}`],
  }));
  await platform.close();
  platform = undefined;
  reports.push(report);
  console.log(JSON.stringify({ ...report, loadavg: loadavg().map((l) => l.toFixed(1)) }));
}
for (const r of reports) {
  const answers = Object.entries(r.answers).map(([s, n]) => `${s}×${n}`).join(' ');
  console.log(`${r.fault}: ${r.accepted}/${r.uploads} accepted (${answers}), final ${JSON.stringify(r.final)}, inferences ${r.inferences.succeeded}/${r.inferences.accepted}, recovered in ${r.recoveryMs ?? '-'} ms, ${(r.totalMs / 1000).toFixed(0)} s, ${r.problems.length === 0 ? 'OK' : `${r.problems.length} PROBLEMS: ${r.problems.slice(0, 5).join('; ')}`}`);
}
process.exitCode = reports.every((r) => r.problems.length === 0) ? 0 : 1;
