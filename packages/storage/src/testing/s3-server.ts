// A real S3-protocol server for tests and benchmarks: s3rver on loopback with a random port, in a
// child process of its own (see s3-server.child.ts for why). Lives in the package so every test
// suite and bench starts it the same way.
import { spawn } from 'node:child_process';
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
