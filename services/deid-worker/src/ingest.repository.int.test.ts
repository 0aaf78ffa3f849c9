// The batched READY commit against the real Postgres: two repositories (as two worker processes)
// committing instances of the same study and series at the same time fail no batch, count every
// instance exactly once, and chain one audit event per instance. (The FOR UPDATE deadlock that
// bench:ingest found with two worker processes did not reproduce in one process here; the bench
// prints the workers' warnings with BENCH_LOGS=1.)
import { randomBytes, randomUUID } from 'node:crypto';
import { AuditLog } from '@medgrade/audit';
import { createTestDatabase, type TestDatabase } from '@medgrade/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkInstance } from './ingest.ports.ts';
import { createIngestRepository, type AuditInTx } from './ingest.repository.ts';

let db: TestDatabase;
let orgId: string;
let projectId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  orgId = (await db.prisma.organization.create({ data: { slug: 'batch', name: 'Batch' } })).id;
  projectId = (await db.prisma.project.create({ data: { orgId, slug: 'p', name: 'P', secretCiphertext: Buffer.alloc(60) } })).id;
});
afterAll(async () => {
  await db.drop();
});

describe('batched READY commits', () => {
  it('two workers committing one study concurrently: no failed batch, exact counts, intact audit chain', async () => {
    const auditLog = new AuditLog(db.prisma, { anchorKey: randomBytes(32) });
    const audit: AuditInTx = (tx, events) => auditLog.appendMany(events.map((e) => ({ ...e, actor: 'system:test', resourceType: 'instance' })), tx);
    const failures: unknown[] = [];
    const workers = [0, 1].map(() => createIngestRepository(db.prisma, audit, { onBatchFailed: (_n, error) => failures.push(error) }));
    const n = 240;
    const rows: WorkInstance[] = Array.from({ length: n }, () => ({ id: randomUUID(), orgId, projectId, status: 'DEIDENTIFYING', quarantineKey: null }));
    await db.prisma.instance.createMany({ data: rows.map((r) => ({ id: r.id, orgId, projectId, status: 'DEIDENTIFYING' as const, inputSha256: r.id })) });
    // Two series in one study, interleaved, each worker taking every other instance, in waves of
    // 24 so that many pairs of batches overlap (each worker commits one batch at a time).
    for (let wave = 0; wave < n; wave += 24) {
      await Promise.all(rows.slice(wave, wave + 24).map((inst, k) => {
        const i = wave + k;
        return workers[i % 2]!.markReady(inst, {
          summary: {
            studyInstanceUid: '2.25.100', seriesInstanceUid: `2.25.10${1 + (i % 3 === 0 ? 1 : 0)}`, sopInstanceUid: `2.25.2${i}`, modality: i % 5 === 0 ? 'CT' : 'MR',
            patientName: 'Roe^Max', patientSurrogateId: 'MG4821', seriesDate: new Date('2019-03-01'),
            accessionNumber: 'A000004821', studyTime: '101500', seriesNumber: i % 3 === 0 ? 2 : 1, seriesDescription: 'AX T1', instanceNumber: i + 1, bitsAllocated: 16,
          },
          objectKey: `deid/${i}.dcm`, byteSize: 100, sha256: 'a'.repeat(64), burnedInFlag: false,
        });
      }));
    }
    // A second commit of the same instances (a retried job) changes nothing.
    await workers[0]!.markReady(rows[0]!, { summary: { studyInstanceUid: '2.25.100', seriesInstanceUid: '2.25.102', sopInstanceUid: '2.25.20' }, objectKey: 'deid/0.dcm', byteSize: 100, sha256: 'a'.repeat(64), burnedInFlag: false });
    expect(failures).toEqual([]);
    const study = await db.prisma.study.findFirstOrThrow({ where: { projectId }, include: { series: { orderBy: { seriesInstanceUid: 'asc' } } } });
    expect(study).toMatchObject({ instanceCount: n, seriesCount: 2, modalities: ['CT', 'MR'], patientName: 'Roe^Max', patientSurrogateId: 'MG4821' });
    expect(study.series.map((s) => [s.instanceCount, s.seriesDate?.toISOString()])).toEqual([[n - n / 3, '2019-03-01T00:00:00.000Z'], [n / 3, '2019-03-01T00:00:00.000Z']]);
    // The QIDO attributes ride in the same statements: study and series from their first instance.
    expect(study).toMatchObject({ accessionNumber: 'A000004821', studyTime: '101500', referringPhysicianName: null, dicomStudyId: null });
    expect(study.series.map((s) => [s.seriesNumber, s.seriesDescription])).toEqual([[1, 'AX T1'], [2, 'AX T1']]);
    const numbered = await db.prisma.instance.findMany({ where: { projectId }, select: { id: true, instanceNumber: true, bitsAllocated: true } });
    expect(numbered.map((r) => [r.instanceNumber, r.bitsAllocated]).sort((a, b) => a[0]! - b[0]!)).toEqual(rows.map((_r, i) => [i + 1, 16]));
    expect(await db.prisma.instance.count({ where: { projectId, status: 'READY' } })).toBe(n);
    const events = await auditLog.list(orgId, { action: 'instance.deidentified' }, { limit: 1000 });
    expect(events).toHaveLength(n);
    expect(new Set(events.map((e) => e.resourceId)).size).toBe(n);
    expect(await auditLog.verify(orgId)).toMatchObject({ intact: true, checked: n });
  });

  it('a rejection from a second run of the same job leaves a READY instance READY, unaudited', async () => {
    const auditLog = new AuditLog(db.prisma, { anchorKey: randomBytes(32) });
    const audit: AuditInTx = (tx, events) => auditLog.appendMany(events.map((e) => ({ ...e, actor: 'system:test', resourceType: 'instance' })), tx);
    const repo = createIngestRepository(db.prisma, audit);
    const inst: WorkInstance = { id: randomUUID(), orgId, projectId, status: 'DEIDENTIFYING', quarantineKey: null };
    await db.prisma.instance.create({ data: { id: inst.id, orgId, projectId, status: 'READY', inputSha256: inst.id } });
    await repo.markRejected(inst, 'DUPLICATE_SOP_INSTANCE');
    expect(await db.prisma.instance.findUniqueOrThrow({ where: { id: inst.id }, select: { status: true, errorCode: true } })).toEqual({ status: 'READY', errorCode: null });
    expect(await auditLog.list(orgId, { action: 'instance.rejected' }, { limit: 10 })).toEqual([]);

    const held: WorkInstance = { ...inst, id: randomUUID() };
    await db.prisma.instance.create({ data: { id: held.id, orgId, projectId, status: 'DEIDENTIFYING', inputSha256: held.id } });
    await repo.markRejected(held, 'NOT_PART10');
    expect(await db.prisma.instance.findUniqueOrThrow({ where: { id: held.id }, select: { status: true, errorCode: true } })).toEqual({ status: 'REJECTED', errorCode: 'NOT_PART10' });
  });
});
