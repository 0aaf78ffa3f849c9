// Crash test (issue 4): the worker runs as a child process, a few hundred instances are uploaded
// through STOW-RS, the worker is killed with SIGKILL mid-way and started again. Every instance
// must end READY exactly once: one de-identified object each, no raw object left, no duplicate
// rows, exact study/series counts, and exactly one audit event per instance.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDicom, Tags, writeDicom } from '../../packages/dicom/src/index.ts';
import { createIngestEnv, filesUnder, MULTI_SERIES_DIR, stowBody, waitFinal, type IngestEnv } from './ingest.harness.ts';

const INSTANCES = 300;
const ROOT = join(import.meta.dirname, '../..');

/** N distinct real instances: pydicom's MR files with fresh SOP Instance UIDs. */
function distinctInstances(n: number): Buffer[] {
  const sources = filesUnder(MULTI_SERIES_DIR).map((f) => readFileSync(f));
  return Array.from({ length: n }, (_, i) => {
    const file = parseDicom(sources[i % sources.length]!);
    file.dataset.set(Tags.SOPInstanceUID, `1.2.826.0.1.3680043.8.498.77.${i + 1}`);
    return writeDicom(file);
  });
}

function startWorker(env: IngestEnv): ChildProcess {
  const { options } = env.s3;
  // node itself with tsx's loader (not the tsx CLI, which forks): the signal reaches the worker.
  const child = spawn(process.execPath, ['--import', 'tsx', 'services/deid-worker/src/main.ts'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      ...process.env,
      DATABASE_URL: env.gw.db.url,
      REDIS_KEY_PREFIX: env.prefix,
      STORAGE_DRIVER: 's3',
      S3_BUCKET: options.bucket,
      S3_REGION: options.region,
      S3_ENDPOINT: options.endpoint!,
      S3_FORCE_PATH_STYLE: 'true',
      S3_ACCESS_KEY_ID: options.credentials!.accessKeyId,
      S3_SECRET_ACCESS_KEY: options.credentials!.secretAccessKey,
      DEID_WORKER_CONCURRENCY: '4',
      DEID_WORKER_METRICS_PORT: '0',
      LOG_LEVEL: 'warn',
    },
  });
  child.stderr!.on('data', (d: Buffer) => process.stderr.write(`[worker] ${d}`));
  return child;
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('deid-worker crash safety', () => {
  let env: IngestEnv;
  let worker: ChildProcess | undefined;
  beforeAll(async () => {
    env = await createIngestEnv({ worker: false });
  });
  afterAll(async () => {
    worker?.kill('SIGKILL');
    await env?.close();
  });

  it('ends every instance READY exactly once after a SIGKILL mid-way', { timeout: 300_000 }, async () => {
    const prisma = env.gw.db.prisma;
    const files = distinctInstances(INSTANCES);
    for (let i = 0; i < files.length; i += 100) {
      const { body, contentType } = stowBody(files.slice(i, i + 100));
      const res = await env.gw.app.inject({ method: 'POST', url: `/dicomweb/studies?projectId=${env.projectId}`, headers: { authorization: env.writer.auth, 'content-type': contentType }, payload: body });
      expect(res.statusCode).toBe(200);
    }
    const ready = () => prisma.instance.count({ where: { projectId: env.projectId, status: 'READY' } });

    worker = startWorker(env);
    await until(async () => (await ready()) >= INSTANCES / 5, 120_000);
    worker.kill('SIGKILL');
    await new Promise((r) => worker!.once('exit', r));
    const atKill = await ready();
    expect(atKill).toBeLessThan(INSTANCES);

    // A fresh worker picks up the waiting jobs at once and the killed one's after its lock expires.
    worker = startWorker(env);
    await waitFinal(env, 240_000);
    worker.kill('SIGTERM');
    await new Promise((r) => worker!.once('exit', r));
    worker = undefined;

    const rows = await prisma.instance.findMany({ where: { projectId: env.projectId } });
    expect(rows).toHaveLength(INSTANCES);
    expect(rows.every((r) => r.status === 'READY' && r.quarantineKey === null)).toBe(true);
    expect(new Set(rows.map((r) => r.sopInstanceUid)).size).toBe(INSTANCES);
    const keys: string[] = [];
    for await (const o of env.store.list('')) keys.push(o.key);
    expect(keys.filter((k) => k.startsWith('quarantine/'))).toEqual([]);
    expect(keys.filter((k) => k.startsWith('deid/')).sort()).toEqual(rows.map((r) => r.objectKey!).sort());
    const studies = await prisma.study.findMany({ where: { projectId: env.projectId }, include: { series: true } });
    expect(studies.reduce((n, s) => n + s.instanceCount, 0)).toBe(INSTANCES);
    for (const s of studies) {
      expect(s.seriesCount).toBe(s.series.length);
      expect(s.series.reduce((n, x) => n + x.instanceCount, 0)).toBe(s.instanceCount);
    }
    expect(await prisma.auditEvent.count({ where: { action: 'instance.deidentified' } })).toBe(INSTANCES);
  });
});
