// A real S3-protocol server for tests and benchmarks: s3rver on loopback with a random port, in a
// child process of its own (see s3-server.child.ts for why). Lives in the package so every test
// suite and bench starts it the same way.
import { spawn } from 'node:child_process';
import { request as httpRequest, createServer, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { S3StoreOptions } from '../s3.store.ts';

/** A running local S3 server and the store options that reach its bucket. */
export interface LocalS3 {
  options: S3StoreOptions;
  close(): Promise<void>;
}

const CHILD = join(import.meta.dirname, 's3-server.child.ts');

/** Starts s3rver on 127.0.0.1 with one DNS-style bucket in a fresh temp directory. */
export async function startLocalS3(bucket = `medgrade-test-${process.pid}-${Date.now().toString(36)}`): Promise<LocalS3> {
  const directory = await mkdtemp(join(tmpdir(), 'medgrade-s3-'));
  const child = spawn(process.execPath, [CHILD, directory, bucket], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`s3rver exited (code ${code}) before listening`)));
    createInterface({ input: child.stdout! }).once('line', (line) => resolve((JSON.parse(line) as { port: number }).port));
  });
  return {
    options: {
      bucket,
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${port}`,
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    },
    async close() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** s3rver behind a proxy that refuses writes (PUT, POST, DELETE) with 503 while told to. */
export interface RefusingS3 {
  options: S3StoreOptions;
  refuseWrites(on: boolean): void;
  /** Writes refused so far. */
  refused(): number;
  close(): Promise<void>;
}

const REFUSAL = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>ServiceUnavailable</Code><Message>writes refused by the fault test</Message></Error>';

/**
 * An HTTP proxy rather than a read-only folder: the S3 driver is the one production runs, and a
 * 503 ServiceUnavailable is what S3 and MinIO answer when they cannot take writes, so the SDK's own
 * retries and our job retries meet the answer they meet in production. Reads pass through.
 */
export async function startRefusingS3(): Promise<RefusingS3> {
  const s3 = await startLocalS3();
  const upstream = new URL(s3.options.endpoint!);
  let refusing = false;
  let refused = 0;
  const server: Server = createServer((req, res) => {
    if (refusing && req.method !== 'GET' && req.method !== 'HEAD') {
      refused += 1;
      req.resume();
      res.writeHead(503, { 'content-type': 'application/xml', connection: 'close' }).end(REFUSAL);
      return;
    }
    const out = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    options: { ...s3.options, endpoint: `http://127.0.0.1:${port}` },
    refuseWrites: (on) => {
      refusing = on;
    },
    refused: () => refused,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await s3.close();
    },
  };
}
