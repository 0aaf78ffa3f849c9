import { describe, expect, it } from 'vitest';
import { createTestDatabase } from './test-database.ts';
import { useTestDatabase } from './use-test-database.ts';

describe('createTestDatabase', () => {
  const db = useTestDatabase();

  it('gives a migrated, empty database of its own', async () => {
    expect(new URL(db().url).pathname).toMatch(/^\/medgrade_test_[0-9a-f]{12}$/);
    expect(await db().prisma.organization.count()).toBe(0);
    const org = await db().prisma.organization.create({ data: { slug: 'a', name: 'A' } });
    expect(await db().prisma.organization.findUnique({ where: { slug: 'a' } })).toMatchObject({ id: org.id });
  });

  it('refuses UPDATE and DELETE of audit events in the database itself', async () => {
    const org = await db().prisma.organization.create({ data: { slug: 'audit', name: 'Audit' } });
    const event = await db().prisma.auditEvent.create({
      data: { orgId: org.id, actor: 'test', action: 'x.create', resourceType: 'x', prevHash: '0', hash: 'h1', createdAt: new Date() },
    });
    await expect(db().prisma.auditEvent.update({ where: { seq: event.seq }, data: { actor: 'mallory' } })).rejects.toThrow(/append-only/);
    await expect(db().prisma.$executeRawUnsafe('DELETE FROM "AuditEvent"')).rejects.toThrow(/append-only/);
    await expect(db().prisma.$executeRawUnsafe('TRUNCATE "AuditEvent" CASCADE')).rejects.toThrow(/append-only/);
    expect(await db().prisma.auditEvent.findUnique({ where: { seq: event.seq } })).toMatchObject({ actor: 'test' });
  });

  it('a second test database is isolated from the first', async () => {
    const other = await createTestDatabase();
    try {
      expect(other.url).not.toBe(db().url);
      expect(await other.prisma.organization.count()).toBe(0);
    } finally {
      await other.drop();
    }
  });
});
