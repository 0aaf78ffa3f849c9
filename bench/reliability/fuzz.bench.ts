// The full-size HTTP fuzz run (issue 14): the generators and runner of tests/reliability against
// the real gateway and deid-worker (Postgres, Redis/BullMQ, a local S3-protocol server), with a
// report of statuses, every 5xx and hang by seed index, and memory before/after.
//
//   pnpm bench:reliability [--n 20000] [--socket 1000] [--seed 1306402] [--concurrency 8] [--max-minutes 20]
// Run node with --expose-gc (NODE_OPTIONS=--expose-gc) for heap figures after a collection.
import { parseArgs } from 'node:util';
import { ensureTemplateDatabase } from '../../packages/db/src/testing/test-database.ts';
import { createIngestEnv } from '../../tests/ingest/ingest.harness.ts';
import { runFuzz } from '../../tests/reliability/fuzz.runner.ts';

const { values: args } = parseArgs({
  options: { n: { type: 'string', default: '20000' }, socket: { type: 'string', default: '1000' }, seed: { type: 'string', default: String(0x14f022) }, concurrency: { type: 'string', default: '8' }, 'max-minutes': { type: 'string', default: '20' } },
});

await ensureTemplateDatabase();
const env = await createIngestEnv({ worker: true, env: { RATE_LIMIT_MAX: '100000000' } });
try {
  const report = await runFuzz(env, { n: Number(args.n), socketN: Number(args.socket), seed: Number(args.seed), concurrency: Number(args.concurrency), maxMs: Number(args['max-minutes']) * 60_000 });
  console.log(JSON.stringify(report, null, 2));
  const failed = report.serverErrors.length + report.crashes.length;
  console.log(`${report.requests} injected + ${report.socketRequests} socket requests on ${report.routes} routes in ${(report.ms / 1000).toFixed(0)} s: ${report.serverErrors.length} 5xx, ${report.crashes.length} crashes/hangs; heap ${report.heapBaselineMiB} → ${report.heapAfterMiB} MiB, rss ${report.rssBaselineMiB} → peak ${report.rssPeakMiB} → ${report.rssAfterMiB} MiB`);
  process.exitCode = failed > 0 ? 1 : 0;
} finally {
  await env.close();
}
