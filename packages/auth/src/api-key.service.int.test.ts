import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@medgrade/db';
import { ApiKeyService } from './api-key.service.ts';

describe('ApiKeyService', () => {
  let db: TestDatabase;
  let orgId: string;
  let now = Date.now();
  let service: ApiKeyService;
  beforeAll(async () => {
    db = await createTestDatabase();
    orgId = (await db.prisma.organization.create({ data: { slug: 'a', name: 'A' } })).id;
    service = new ApiKeyService(db.prisma, { cacheTtlMs: 60_000, now: () => now });
  });
  afterAll(async () => {
    await db.drop();
  });

  it('stores only the hash and verifies the shown key', async () => {
    const { row, key } = await service.create({ orgId, scopes: ['studies:read', 'studies:read'] });
    expect(key).toMatch(/^mgk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(key.startsWith(`mgk_${row.prefix}_`)).toBe(true);
    expect(Buffer.from(row.hash).toString('hex')).not.toContain(key.slice(17, 30));
    expect(row.scopes).toEqual(['studies:read']);
    expect(await service.verify(key)).toEqual({ keyId: row.id, orgId, projectId: null, scopes: ['studies:read'] });
    const stored = await db.prisma.apiKey.findUniqueOrThrow({ where: { id: row.id } });
    expect(stored.lastUsedAt).not.toBeNull();
  });

  it('rejects a wrong secret with a valid prefix, and garbage', async () => {
    const { key } = await service.create({ orgId, scopes: ['admin'] });
    const forged = key.slice(0, -4) + (key.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect(await service.verify(forged)).toBeNull();
    expect(await service.verify('mgk_000000000000_' + 'A'.repeat(43))).toBeNull();
    expect(await service.verify('Bearer nonsense')).toBeNull();
  });

  it('revocation takes effect at once despite the cache', async () => {
    const { row, key } = await service.create({ orgId, scopes: ['admin'] });
    expect(await service.verify(key)).not.toBeNull();
    await service.revoke({ orgId, id: row.id });
    expect(await service.verify(key)).toBeNull();
    await expect(service.revoke({ prefix: row.prefix })).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('another process sees a revocation once its cache entry expires', async () => {
    const other = new ApiKeyService(db.prisma, { cacheTtlMs: 5_000, now: () => now });
    const { row, key } = await service.create({ orgId, scopes: ['admin'] });
    expect(await other.verify(key)).not.toBeNull();
    await service.revoke({ orgId, id: row.id });
    now += 5_001;
    expect(await other.verify(key)).toBeNull();
  });

  it('refuses expired keys and projects of another organization', async () => {
    const { key } = await service.create({ orgId, scopes: ['admin'], expiresAt: new Date(now + 1000) });
    now += 1001;
    expect(await service.verify(key)).toBeNull();
    const otherOrg = await db.prisma.organization.create({ data: { slug: 'b', name: 'B' } });
    const project = await db.prisma.project.create({ data: { orgId: otherOrg.id, slug: 'p', name: 'P', secretCiphertext: new Uint8Array(1) } });
    await expect(service.create({ orgId, projectId: project.id, scopes: ['admin'] })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
