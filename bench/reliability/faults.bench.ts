// The full-size fault run (issue 14, "Faults mid-ingest"): each fault of
// tests/reliability/faults.scenario.ts during a stream of 500 uploads with queued inferences, on
// the platform's real processes (tests/reliability/platform.ts), one after another on one platform.
// Prints each scenario's report and a summary line per fault; exits 1 if any invariant broke.
//
//   pnpm bench:faults [--n 500] [--concurrency 4] [--inferences 20] [--only <part of a fault name>]
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { FAULTS, runFaultScenario, type FaultReport } from '../../tests/reliability/faults.scenario.ts';
import { startPlatform } from '../../tests/reliability/platform.ts';

const { values: args } = parseArgs({
  options: { n: { type: 'string', default: '500' }, concurrency: { type: 'string', default: '4' }, inferences: { type: 'string', default: '20' }, only: { type: 'string' } },
});

const faults = FAULTS.filter((f) => !args.only || f.name.includes(args.only));
const platform = await startPlatform({ model: true });
const reports: FaultReport[] = [];
// Ctrl-C or a timeout stops the platform's processes and private servers too.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void platform.close().finally(() => process.exit(130)));
try {
  for (const [i, fault] of faults.entries()) {
    const report = await runFaultScenario(platform, fault, { uploads: Number(args.n), concurrency: Number(args.concurrency), inferences: Number(args.inferences), seed: 5000 + i, settleMs: 900_000 });
    reports.push(report);
    console.log(JSON.stringify({ ...report, loadavg: loadavg().map((l) => l.toFixed(1)) }));
  }
} finally {
  await platform.close();
}
for (const r of reports) {
  const answers = Object.entries(r.answers).map(([s, n]) => `${s}×${n}`).join(' ');
  console.log(`${r.fault}: ${r.accepted}/${r.uploads} accepted (${answers}), final ${JSON.stringify(r.final)}, inferences ${r.inferences.succeeded}/${r.inferences.accepted}, recovered in ${r.recoveryMs ?? '-'} ms, ${(r.totalMs / 1000).toFixed(0)} s, ${r.problems.length === 0 ? 'OK' : `${r.problems.length} PROBLEMS: ${r.problems.slice(0, 5).join('; ')}`}`);
}
process.exitCode = reports.every((r) => r.problems.length === 0) ? 0 : 1;
