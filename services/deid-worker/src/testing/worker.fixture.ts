// What the deid-worker's integration tests share: their own database with one organization and
// project, a filesystem object store in a temporary folder, a Redis queue prefix, and cleanup.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@medgrade/config';
import { createTestDatabase, newProjectSecretCiphertext, type TestDatabase } from '@medgrade/db';
import { openRedis, type QueueConnection } from '@medgrade/queue';
import { FsObjectStore, ObjectNotFoundError, type ObjectStore } from '@medgrade/storage';

/** A test's database, store and queue. */
export interface WorkerFixture {
  db: TestDatabase;
  root: string;
  store: FsObjectStore;
  queue: QueueConnection & { prefix: string };
  secretKey: Buffer;
  /** The audit anchor key the worker appends with (config.secrets.auditAnchorKeyBytes). */
  auditAnchorKey: Buffer;
  orgId: string;
  projectId: string;
  /** Removes the queue's Redis keys, the database and the folder. */
  close(): Promise<void>;
}

/** Creates the fixture (prefix names the test in Redis keys and the temporary folder). */
export async function createWorkerFixture(name: string): Promise<WorkerFixture> {
  const config = loadConfig();
  const db = await createTestDatabase();
  const root = await mkdtemp(join(tmpdir(), `mg-${name}-`));
  const secretKey = config.secrets.projectSecretKeyBytes;
  const org = await db.prisma.organization.create({ data: { slug: 'acme', name: 'ACME' } });
  const project = await db.prisma.project.create({ data: { orgId: org.id, slug: 'chest', name: 'chest', secretCiphertext: newProjectSecretCiphertext(secretKey) } });
  const queue = { redisUrl: config.redis.url, prefix: `mgtest-${name}-${randomBytes(4).toString('hex')}` };
  return {
    db, root, store: new FsObjectStore(root), queue, secretKey, auditAnchorKey: config.secrets.auditAnchorKeyBytes, orgId: org.id, projectId: project.id,
    async close() {
      const redis = openRedis(queue.redisUrl);
      const keys = await redis.keys(`${queue.prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
      await db.drop();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** Whether the store holds an object under key. */
export async function objectExists(store: Pick<ObjectStore, 'head'>, key: string): Promise<boolean> {
  try {
    await store.head(key);
    return true;
  } catch (error) {
    if (error instanceof ObjectNotFoundError) return false;
    throw error;
  }
}

/** Polls check until it holds; past timeoutMs throws naming what it waited for and why it may not have happened. */
export async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 60_000, why: () => string = () => ''): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}${why() ? `; ${why()}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
