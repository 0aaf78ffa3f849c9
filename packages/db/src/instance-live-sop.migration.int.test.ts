// The migration that adds Instance_live_sop_key must deploy on a database that already holds
// duplicates (two live rows of one SOP Instance UID in a project, as re-uploads with other bytes
// made before it). Here the index is dropped from a migrated database, duplicates are inserted,
// and the migration's own SQL runs (split at ';' as the schema engine splits it).
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR } from './migrate.ts';
import { useTestDatabase } from './testing/use-test-database.ts';

const dir = readdirSync(MIGRATIONS_DIR).find((d) => d.endsWith('_instance_live_sop'))!;
const statements = readFileSync(path.join(MIGRATIONS_DIR, dir, 'migration.sql'), 'utf8').split(';').filter((s) => s.replace(/--.*$/gm, '').trim());

type Status = 'RECEIVED' | 'DEIDENTIFYING' | 'READY' | 'REJECTED' | 'FAILED';

describe('migration instance_live_sop', () => {
  const db = useTestDatabase();

  it('keeps the earliest READY row per SOP (else the earliest live one), rejects the others, moves counters back, then indexes', async () => {
    const { prisma } = db();
    await prisma.$executeRawUnsafe('DROP INDEX "Instance_live_sop_key"');
    const orgId = (await prisma.organization.create({ data: { slug: 'm', name: 'M' } })).id;
    const project = async (slug: string) => (await prisma.project.create({ data: { orgId, slug, name: slug, secretCiphertext: Buffer.alloc(60) } })).id;
    const [p1, p2] = [await project('one'), await project('two')];
    const study = await prisma.study.create({ data: { orgId, projectId: p1, studyInstanceUid: '2.25.1', instanceCount: 3, seriesCount: 1 } });
    const series = await prisma.series.create({ data: { orgId, projectId: p1, studyId: study.id, seriesInstanceUid: '2.25.2', instanceCount: 3 } });
    const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute));
    const rows: Record<string, { projectId: string; sop: string | null; status: Status; minute: number; seriesId?: string }> = {
      aReceivedFirst: { projectId: p1, sop: '2.25.10', status: 'RECEIVED', minute: 0 },
      aReadyLater: { projectId: p1, sop: '2.25.10', status: 'READY', minute: 2, seriesId: series.id },
      aReadyEarliest: { projectId: p1, sop: '2.25.10', status: 'READY', minute: 1, seriesId: series.id },
      bReceived: { projectId: p1, sop: '2.25.11', status: 'RECEIVED', minute: 1 },
      bDeidentifying: { projectId: p1, sop: '2.25.11', status: 'DEIDENTIFYING', minute: 2 },
      cReady: { projectId: p1, sop: '2.25.12', status: 'READY', minute: 1, seriesId: series.id },
      cRejected: { projectId: p1, sop: '2.25.12', status: 'REJECTED', minute: 0 },
      cFailed: { projectId: p1, sop: '2.25.12', status: 'FAILED', minute: 0 },
      otherProject: { projectId: p2, sop: '2.25.10', status: 'READY', minute: 0 },
      noUidYet1: { projectId: p1, sop: null, status: 'RECEIVED', minute: 0 },
      noUidYet2: { projectId: p1, sop: null, status: 'RECEIVED', minute: 0 },
    };
    const ids = Object.fromEntries(Object.keys(rows).map((name) => [name, randomUUID()]));
    await prisma.instance.createMany({
      data: Object.entries(rows).map(([name, r]) => ({
        id: ids[name]!, orgId, projectId: r.projectId, status: r.status, inputSha256: name, sopInstanceUid: r.sop, seriesId: r.seriesId, createdAt: at(r.minute),
      })),
    });

    for (const sql of statements) await prisma.$executeRawUnsafe(sql);

    const after = await prisma.instance.findMany({ select: { id: true, status: true, errorCode: true } });
    const byName = Object.fromEntries(Object.entries(ids).map(([name, id]) => [name, after.find((a) => a.id === id)!]));
    const rejected = Object.keys(rows).filter((name) => byName[name]!.errorCode === 'DUPLICATE_SOP_INSTANCE').sort();
    expect(rejected).toEqual(['aReadyLater', 'aReceivedFirst', 'bDeidentifying']);
    for (const name of rejected) expect(byName[name]!.status).toBe('REJECTED');
    for (const [name, r] of Object.entries(rows)) if (!rejected.includes(name)) expect(byName[name]!.status).toBe(r.status);
    // One READY row left the series (aReadyLater); the RECEIVED/DEIDENTIFYING ones were never counted.
    expect((await prisma.series.findUniqueOrThrow({ where: { id: series.id } })).instanceCount).toBe(2);
    expect((await prisma.study.findUniqueOrThrow({ where: { id: study.id } })).instanceCount).toBe(2);

    // The index now refuses a second live row of a SOP, and still admits rejected ones.
    const again = (status: Status) => prisma.instance.create({ data: { orgId, projectId: p1, status, inputSha256: 'x', sopInstanceUid: '2.25.10' } });
    await expect(again('RECEIVED')).rejects.toThrow(/Instance_live_sop_key|Unique constraint/);
    await expect(again('REJECTED')).resolves.toMatchObject({ status: 'REJECTED' });
  });
});
