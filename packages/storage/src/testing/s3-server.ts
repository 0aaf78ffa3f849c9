// A real S3-protocol server for tests and benchmarks: s3rver on loopback with a random port.
// Lives in the package so every test suite and bench starts it the same way.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import type { S3StoreOptions } from '../s3.store.ts';

/** A running local S3 server and the store options that reach its bucket. */
export interface LocalS3 {
  options: S3StoreOptions;
  close(): Promise<void>;
}

/** Starts s3rver on 127.0.0.1 with one DNS-style bucket in a fresh temp directory. */
export async function startLocalS3(bucket = `medgrade-test-${process.pid}-${Date.now().toString(36)}`): Promise<LocalS3> {
  const directory = await mkdtemp(join(tmpdir(), 'medgrade-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  return {
    options: {
      bucket,
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${port}`,
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    },
    async close() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
