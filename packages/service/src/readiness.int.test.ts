// The start-up checks against the real Postgres and Redis: each passes on a healthy dependency and
// otherwise fails with the message that says how to fix it.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPrismaClient } from '@medgrade/db';
import { useTestDatabase } from '@medgrade/db/testing';
import { FsObjectStore } from '@medgrade/storage';
import { afterAll, describe, expect, it } from 'vitest';
import { objectStoreCheck, postgresCheck, redisCheck } from './readiness.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('readiness checks', () => {
  const db = useTestDatabase();
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('accepts a migrated database and names the migrate command for a missing one', async () => {
    await expect(postgresCheck(db().prisma, db().url).check()).resolves.toBeUndefined();
    const missing = db().url.replace(/\/[^/?]+(\?|$)/, '/medgrade_no_such_database$1');
    const prisma = createPrismaClient(missing);
    try {
      await expect(postgresCheck(prisma, missing).check()).rejects.toThrow(/medgrade_no_such_database at .* is missing or not migrated: run `pnpm --silent medgrade migrate`/);
    } finally {
      await prisma.$disconnect();
    }
  });

  it('pings Redis and says how to start it when nothing listens', async () => {
    await expect(redisCheck(REDIS_URL).check()).resolves.toBeUndefined();
    await expect(redisCheck('redis://127.0.0.1:1').check()).rejects.toThrow(/Redis not reachable at 127.0.0.1:1: start it .* or set REDIS_URL/);
  });

  it('reports an object store folder it cannot write with the setting to change', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'readiness-'));
    dirs.push(dir);
    await expect(objectStoreCheck(new FsObjectStore(join(dir, 'objects'))).check()).resolves.toBeUndefined();
    await writeFile(join(dir, 'a-file'), 'x');
    await expect(objectStoreCheck(new FsObjectStore(join(dir, 'a-file', 'objects'))).check()).rejects.toThrow(/is not writable .*: create it or set STORAGE_FS_ROOT/);
  });
});
