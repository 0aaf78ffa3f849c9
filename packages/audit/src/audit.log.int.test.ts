import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@medgrade/db';
import { GENESIS_HASH } from './audit.hash.ts';
import { AuditLog } from './audit.log.ts';

describe('AuditLog', () => {
  let db: TestDatabase;
  let audit: AuditLog;
  let orgId: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    audit = new AuditLog(db.prisma);
    orgId = (await db.prisma.organization.create({ data: { slug: 'a', name: 'A' } })).id;
  });
  afterAll(async () => {
    await db.drop();
  });

  it('chains events: each stores the previous hash', async () => {
    const first = await audit.append({ orgId, actor: 'cli', action: 'organization.create', resourceType: 'organization', resourceId: orgId, details: { b: 1, a: [1, { y: 2, x: 1 }] } });
    const second = await audit.append({ orgId, actor: 'cli', action: 'project.create', resourceType: 'project' });
    expect(first.prevHash).toBe(GENESIS_HASH);
    expect(second.prevHash).toBe(first.hash);
    expect(second.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(await audit.verify(orgId)).toEqual({ intact: true, checked: 2, firstBroken: null });
  });

  it('does not fork the chain under concurrent appends', async () => {
    await Promise.all(Array.from({ length: 25 }, (_, i) => audit.append({ orgId, actor: 'test', action: 'x.concurrent', resourceType: 'x', resourceId: String(i) })));
    const events = await audit.list(orgId, {}, { limit: 500 });
    expect(events).toHaveLength(27);
    expect(new Set(events.map((e) => e.prevHash)).size).toBe(27);
    expect(await audit.verify(orgId)).toMatchObject({ intact: true, checked: 27 });
  });

  it('appends many events in one transaction, chained in order, without forking concurrent appends', async () => {
    const other = (await db.prisma.organization.create({ data: { slug: 'b', name: 'B' } })).id;
    const batch = (n: number) => Array.from({ length: n }, (_, i) => ({ orgId: i % 2 ? other : orgId, actor: 'test', action: 'x.batch', resourceType: 'x', resourceId: String(i) }));
    await Promise.all([
      db.prisma.$transaction((tx) => audit.appendMany(batch(10), tx)),
      audit.append({ orgId, actor: 'test', action: 'x.single', resourceType: 'x' }),
      db.prisma.$transaction((tx) => audit.appendMany(batch(6), tx)),
    ]);
    const ours = await audit.list(orgId, { action: 'x.batch' }, { limit: 100 });
    expect(ours).toHaveLength(8);
    expect(await audit.list(other, {}, { limit: 100 })).toHaveLength(8);
    expect(await audit.verify(orgId)).toMatchObject({ intact: true, checked: 36 });
    expect(await audit.verify(other)).toMatchObject({ intact: true, checked: 8 });
    await db.prisma.$transaction((tx) => audit.appendMany([], tx));
    expect(await audit.verify(orgId)).toMatchObject({ intact: true, checked: 36 });
  });

  it('filters and pages the list', async () => {
    const page1 = await audit.list(orgId, { action: 'x.concurrent' }, { limit: 10 });
    const page2 = await audit.list(orgId, { action: 'x.concurrent' }, { limit: 100, afterSeq: page1.at(-1)!.seq });
    expect(page1).toHaveLength(10);
    expect(page2).toHaveLength(15);
    expect(page2[0]!.seq > page1.at(-1)!.seq).toBe(true);
  });

  it('reports the first modified event after a superuser bypasses the trigger', async () => {
    const events = await audit.list(orgId, {}, { limit: 500 });
    const victim = events[5]!;
    await db.prisma.$transaction([
      db.prisma.$executeRawUnsafe('SET LOCAL session_replication_role = replica'),
      db.prisma.$executeRawUnsafe(`UPDATE "AuditEvent" SET actor = 'mallory' WHERE seq = ${victim.seq}`),
    ]);
    const result = await audit.verify(orgId);
    expect(result.intact).toBe(false);
    expect(result.firstBroken).toMatchObject({ seq: victim.seq, reason: 'hash_mismatch' });
    expect(result.checked).toBe(6);
  });
});
