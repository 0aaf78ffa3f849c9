import { FsObjectStore } from './fs.store.ts';
import type { ObjectStore } from './object-store.ts';
import { S3ObjectStore } from './s3.store.ts';

/** The storage section of the platform config (packages/config), structurally. */
export type StorageSettings =
  | { driver: 'fs'; fsRoot: string }
  | {
      driver: 's3';
      s3: {
        bucket: string;
        region: string;
        endpoint?: string;
        forcePathStyle: boolean;
        accessKeyId?: string;
        secretAccessKey?: string;
        serverSideEncryption?: 'AES256' | 'aws:kms';
        kmsKeyId?: string;
      };
    };

/** Builds the configured store; `close()` releases S3 connections (no-op for fs). */
export function createObjectStore(settings: StorageSettings): ObjectStore & { close(): void } {
  if (settings.driver === 'fs') return Object.assign(new FsObjectStore(settings.fsRoot), { close() {} });
  const { accessKeyId, secretAccessKey, ...s3 } = settings.s3;
  return new S3ObjectStore({
    ...s3,
    credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined,
  });
}
