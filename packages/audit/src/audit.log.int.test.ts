import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@medgrade/db';
import { GENESIS_HASH, hashEvent } from './audit.hash.ts';
import { AuditLog } from './audit.log.ts';

// The anchor key of this test's appends (AUDIT_ANCHOR_KEY in the services).
const KEY = randomBytes(32);

describe('AuditLog', () => {
  let db: TestDatabase;
  let audit: AuditLog;
  let orgId: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    audit = new AuditLog(db.prisma, { anchorKey: KEY });
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

  it('lists a project\'s events to its scope only, and hashes the project so moving an event is caught', async () => {
    const org = (await db.prisma.organization.create({ data: { slug: 'p', name: 'P' } })).id;
    const [p1, p2] = ['11111111-1111-4111-8111-111111111111', '22222222-2222-4222-8222-222222222222'];
    await audit.append({ orgId: org, actor: 'k1', action: 'x.p1', resourceType: 'x', projectId: p1 });
    await db.prisma.$transaction((tx) => audit.appendMany([{ orgId: org, actor: 'k2', action: 'x.p2', resourceType: 'x', projectId: p2 }, { orgId: org, actor: 'k0', action: 'x.org', resourceType: 'x' }], tx));
    expect((await audit.list({ orgId: org, projectId: p1 }, {}, { limit: 10 })).map((e) => e.action)).toEqual(['x.p1']);
    // A filter cannot widen the scope.
    expect(await audit.list({ orgId: org, projectId: p1 }, { action: 'x.p2' }, { limit: 10 })).toEqual([]);
    expect((await audit.list(org, {}, { limit: 10 })).map((e) => [e.action, e.projectId])).toEqual([['x.p1', p1], ['x.p2', p2], ['x.org', null]]);
    expect(await audit.verify(org)).toMatchObject({ intact: true, checked: 3 });
    const moved = (await audit.list(org, { action: 'x.p2' }, { limit: 1 }))[0]!;
    await db.prisma.$transaction([
      db.prisma.$executeRawUnsafe('SET LOCAL session_replication_role = replica'),
      db.prisma.$executeRawUnsafe(`UPDATE "AuditEvent" SET "projectId" = '${p1}' WHERE seq = ${moved.seq}`),
    ]);
    expect((await audit.verify(org)).firstBroken).toMatchObject({ seq: moved.seq, reason: 'hash_mismatch' });
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

  // Issue 14.7: the hashes alone are unkeyed; whoever can write the table can recompute them.
  describe('the keyed anchor of the chain head', () => {
    const superuser = (...sql: string[]) => db.prisma.$transaction([db.prisma.$executeRawUnsafe('SET LOCAL session_replication_role = replica'), ...sql.map((q) => db.prisma.$executeRawUnsafe(q))]);
    const seed = async (slug: string, n: number) => {
      const org = (await db.prisma.organization.create({ data: { slug, name: slug } })).id;
      for (let i = 0; i < n; i++) await audit.append({ orgId: org, actor: 'k1', action: 'x.anchor', resourceType: 'x', resourceId: String(i) });
      return org;
    };

    // Rewrites the chain as an attacker without the key would: change one event, then recompute
    // every hash and link from there on, so the hash chain alone verifies.
    async function rewrite(org: string, victimIndex: number, actor: string): Promise<void> {
      const events = await audit.list(org, {}, { limit: 1000 });
      let prevHash = victimIndex === 0 ? GENESIS_HASH : events[victimIndex - 1]!.hash;
      const statements: string[] = [];
      for (const event of events.slice(victimIndex)) {
        const fields = { ...event, actor: event.seq === events[victimIndex]!.seq ? actor : event.actor, prevHash };
        const hash = hashEvent(fields);
        statements.push(`UPDATE "AuditEvent" SET actor = '${fields.actor}', "prevHash" = '${prevHash}', hash = 'tmp-${event.seq}' WHERE seq = ${event.seq}`);
        statements.push(`UPDATE "AuditEvent" SET hash = '${hash}' WHERE seq = ${event.seq}`);
        prevHash = hash;
      }
      await superuser(...statements);
    }

    it('anchors every append and appendMany: the head verifies under the key, not under another', async () => {
      const org = await seed('anchored', 3);
      await db.prisma.$transaction((tx) => audit.appendMany([{ orgId: org, actor: 'k1', action: 'x.batch', resourceType: 'x' }, { orgId: org, actor: 'k2', action: 'x.batch', resourceType: 'x' }], tx));
      const head = (await audit.list(org, {}, { limit: 100 })).at(-1)!;
      expect(await db.prisma.auditAnchor.findUniqueOrThrow({ where: { orgId: org } })).toMatchObject({ seq: head.seq, hash: head.hash });
      expect(await audit.verify(org)).toEqual({ intact: true, checked: 5, firstBroken: null });
      const otherKey = await new AuditLog(db.prisma, { anchorKey: randomBytes(32) }).verify(org);
      expect(otherKey.firstBroken).toMatchObject({ reason: 'anchor_mismatch' });
      await expect(new AuditLog(db.prisma).append({ orgId: org, actor: 'k', action: 'x', resourceType: 'x' })).rejects.toThrow(/anchorKey/);
    });

    it('fails a chain rewritten with recomputed hashes, even though every link and hash checks out', async () => {
      const org = await seed('rewritten', 5);
      expect(await audit.verify(org)).toMatchObject({ intact: true });
      await rewrite(org, 2, 'mallory');
      const events = await audit.list(org, {}, { limit: 100 });
      expect(events[2]!.actor).toBe('mallory');
      const result = await audit.verify(org);
      expect(result).toMatchObject({ intact: false, checked: 5, firstBroken: { seq: events.at(-1)!.seq, reason: 'anchor_mismatch' } });
    });

    it('fails a truncated chain, a removed anchor and an anchor moved by hand to a rewritten head', async () => {
      const org = await seed('truncated', 4);
      const events = await audit.list(org, {}, { limit: 100 });
      await superuser(`DELETE FROM "AuditEvent" WHERE seq = ${events.at(-1)!.seq}`);
      expect((await audit.verify(org)).firstBroken).toMatchObject({ reason: 'anchor_mismatch' });

      const removed = await seed('unanchored', 2);
      await superuser(`DELETE FROM "AuditAnchor" WHERE "orgId" = '${removed}'`);
      expect((await audit.verify(removed)).firstBroken).toMatchObject({ reason: 'anchor_missing' });

      const moved = await seed('moved', 3);
      await rewrite(moved, 0, 'mallory');
      const head = (await audit.list(moved, {}, { limit: 100 })).at(-1)!;
      await superuser(`UPDATE "AuditAnchor" SET seq = ${head.seq}, hash = '${head.hash}' WHERE "orgId" = '${moved}'`);
      expect((await audit.verify(moved)).firstBroken).toMatchObject({ reason: 'anchor_mismatch', message: expect.stringContaining('MAC') });
    });

    it('verifies intact while appends commit concurrently (no anchor_mismatch from an append between the reads)', { timeout: 120_000 }, async () => {
      const org = await seed('busy', 1);
      // More than one page of events, so a verify reads several pages while appends land.
      for (let b = 0; b < 3; b++) await db.prisma.$transaction((tx) => audit.appendMany(Array.from({ length: 500 }, (_, i) => ({ orgId: org, actor: 'k1', action: 'x.seed', resourceType: 'x', resourceId: String(i) })), tx));
      let stop = false;
      let appended = 0;
      const writers = Array.from({ length: 4 }, async () => {
        while (!stop) {
          await audit.append({ orgId: org, actor: 'k2', action: 'x.busy', resourceType: 'x' });
          appended++;
        }
      });
      const results = [];
      try {
        for (let i = 0; i < 8; i++) results.push(await audit.verify(org));
      } finally {
        stop = true;
        await Promise.all(writers);
      }
      expect(appended).toBeGreaterThan(0);
      for (const result of results) expect(result).toMatchObject({ intact: true, firstBroken: null });
      expect(await audit.verify(org)).toMatchObject({ intact: true, checked: 1501 + appended });
    });

    it('accepts an anchor signed by AUDIT_ANCHOR_KEY_PREVIOUS during a rotation, and no other', async () => {
      const org = await seed('rotated', 2);
      const next = randomBytes(32);
      expect((await new AuditLog(db.prisma, { anchorKey: next }).verify(org)).firstBroken).toMatchObject({ reason: 'anchor_mismatch' });
      const rotating = new AuditLog(db.prisma, { anchorKey: next, previousAnchorKey: KEY });
      expect(await rotating.verify(org)).toEqual({ intact: true, checked: 2, firstBroken: null });
      // The next append re-anchors under the new key; the previous one is no longer needed.
      await rotating.append({ orgId: org, actor: 'k1', action: 'x.after-rotation', resourceType: 'x' });
      expect(await new AuditLog(db.prisma, { anchorKey: next }).verify(org)).toMatchObject({ intact: true, checked: 3 });
      expect((await new AuditLog(db.prisma, { anchorKey: randomBytes(32), previousAnchorKey: randomBytes(32) }).verify(org)).firstBroken).toMatchObject({ reason: 'anchor_mismatch' });
      // An organization that did not append since the rotation is re-anchored under the new key on request.
      const idle = await seed('rotated-idle', 2);
      expect(await rotating.anchorUnanchored({ orgId: idle, actor: 'cli', action: 'audit.anchor', resourceType: 'organization' })).toMatchObject({ anchored: true });
      expect(await new AuditLog(db.prisma, { anchorKey: next }).verify(idle)).toMatchObject({ intact: true, checked: 3 });
    });

    it('anchors a chain recorded before anchoring only when it verifies, with an audited event', async () => {
      const legacy = await seed('legacy', 3);
      await superuser(`DELETE FROM "AuditAnchor" WHERE "orgId" = '${legacy}'`);
      expect((await audit.verify(legacy)).firstBroken).toMatchObject({ reason: 'anchor_missing' });
      const done = await audit.anchorUnanchored({ orgId: legacy, actor: 'cli', action: 'audit.anchor', resourceType: 'organization', resourceId: legacy });
      expect(done).toMatchObject({ anchored: true, verification: { intact: true, checked: 4 } });
      expect(await audit.verify(legacy)).toEqual({ intact: true, checked: 4, firstBroken: null });
      expect((await audit.list(legacy, { action: 'audit.anchor' }, { limit: 5 }))).toHaveLength(1);
      // Already anchored: nothing appended.
      expect(await audit.anchorUnanchored({ orgId: legacy, actor: 'cli', action: 'audit.anchor', resourceType: 'organization' })).toMatchObject({ anchored: false, verification: { intact: true } });

      const tampered = await seed('legacy-tampered', 3);
      await superuser(`DELETE FROM "AuditAnchor" WHERE "orgId" = '${tampered}'`);
      const victim = (await audit.list(tampered, {}, { limit: 10 }))[1]!;
      await superuser(`UPDATE "AuditEvent" SET actor = 'mallory' WHERE seq = ${victim.seq}`);
      const refused = await audit.anchorUnanchored({ orgId: tampered, actor: 'cli', action: 'audit.anchor', resourceType: 'organization' });
      expect(refused).toMatchObject({ anchored: false, verification: { intact: false, firstBroken: { seq: victim.seq, reason: 'hash_mismatch' } } });
      expect(await db.prisma.auditAnchor.findUnique({ where: { orgId: tampered } })).toBeNull();
    });
  });
});
