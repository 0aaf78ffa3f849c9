import { describe, expect, it } from 'vitest';
import type { ApiKey, PrismaClient } from '@medgrade/db';
import { generateApiKey } from './api-key.ts';
import { ApiKeyService } from './api-key.service.ts';
import { ExpiringSet } from './negative.cache.ts';

// Issue 14.7: what verification costs the database. A fake ApiKey table counts reads and writes
// (the real queries run in api-key.service.int.test.ts and the gateway's auth tests).
function fakeDb(rows: ApiKey[]) {
  const calls = { reads: 0, writes: 0 };
  const prisma = {
    apiKey: {
      findUnique: async ({ where }: { where: { prefix: string } }) => {
        calls.reads++;
        return rows.find((r) => r.prefix === where.prefix) ?? null;
      },
      updateMany: async ({ where, data }: { where: { id: string }; data: { lastUsedAt: Date } }) => {
        calls.writes++;
        for (const r of rows) if (r.id === where.id) r.lastUsedAt = data.lastUsedAt;
        return { count: 1 };
      },
    },
  } as unknown as PrismaClient;
  return { prisma, calls };
}

function keyRow(): { row: ApiKey; key: string } {
  const g = generateApiKey();
  const row = { id: `id-${g.prefix}`, orgId: 'org', projectId: null, name: null, prefix: g.prefix, hash: new Uint8Array(g.hash), scopes: ['admin'], expiresAt: null, revokedAt: null, lastUsedAt: null, createdBy: null, createdAt: new Date(0) } as ApiKey;
  return { row, key: g.key };
}

const unknownToken = () => generateApiKey().key;

describe('ApiKeyService.verify and the database', () => {
  it('reads an unknown prefix once per negative TTL and never writes for it', async () => {
    let now = 1_000_000;
    const { prisma, calls } = fakeDb([]);
    const service = new ApiKeyService(prisma, { cacheTtlMs: 5000, negativeTtlMs: 30_000, now: () => now });
    const token = unknownToken();
    for (let i = 0; i < 5; i++) expect(await service.verify(token)).toBeNull();
    expect(calls).toEqual({ reads: 1, writes: 0 });
    now += 30_001;
    expect(await service.verify(token)).toBeNull();
    expect(calls).toEqual({ reads: 2, writes: 0 });
  });

  it('writes lastUsedAt only after the secret matched, at most once per interval', async () => {
    let now = 1_000_000;
    const { row, key } = keyRow();
    const { prisma, calls } = fakeDb([row]);
    const service = new ApiKeyService(prisma, { cacheTtlMs: 0, lastUsedIntervalMs: 60_000, now: () => now });
    const forged = `${key.slice(0, -4)}${key.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    expect(await service.verify(forged)).toBeNull();
    expect(calls.writes).toBe(0);
    expect(row.lastUsedAt).toBeNull();
    expect(await service.verify(key)).toMatchObject({ keyId: row.id });
    expect(row.lastUsedAt?.getTime()).toBe(now);
    now += 59_999;
    expect(await service.verify(key)).not.toBeNull();
    expect(calls.writes).toBe(1);
    now += 1;
    expect(await service.verify(key)).not.toBeNull();
    expect(calls.writes).toBe(2);
    expect(row.lastUsedAt?.getTime()).toBe(now);
  });

  it('knownOnly reads the database only for a prefix that verified here before', async () => {
    const known = keyRow();
    const cold = keyRow();
    const { prisma, calls } = fakeDb([known.row, cold.row]);
    const service = new ApiKeyService(prisma, { cacheTtlMs: 0 });
    expect(await service.verify(known.key)).not.toBeNull();
    const reads = calls.reads;
    expect(await service.verify(unknownToken(), { knownOnly: true })).toBeNull();
    expect(await service.verify(cold.key, { knownOnly: true })).toBeNull();
    expect(calls.reads).toBe(reads);
    expect(await service.verify(known.key, { knownOnly: true })).toMatchObject({ keyId: known.row.id });
    expect(calls.reads).toBe(reads + 1);
  });
});

describe('ExpiringSet', () => {
  it('forgets after its TTL and drops the oldest beyond its bound', () => {
    let now = 0;
    const set = new ExpiringSet({ ttlMs: 100, max: 3, now: () => now });
    for (const v of ['a', 'b', 'c', 'd']) set.add(v);
    expect(['a', 'b', 'c', 'd'].map((v) => set.has(v))).toEqual([false, true, true, true]);
    expect(set.size).toBe(3);
    now = 100;
    expect(set.has('b')).toBe(false);
    const off = new ExpiringSet({ ttlMs: 0, max: 3 });
    off.add('x');
    expect(off.has('x')).toBe(false);
  });
});
