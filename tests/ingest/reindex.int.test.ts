// `medgrade reindex` end to end: real files ingested through the gateway and the worker (Postgres,
// Redis/BullMQ, s3rver, the engine), then the index damaged by SQL the way a migration without
// backfill or the live-SOP dedupe leaves it (new columns NULL, a sha256/byteSize that is not the
// object's). The command's function must restore what the objects say, change nothing the second
// time, change nothing in a dry run, and report a missing object (exit 1) without touching its row.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReindex } from '../../packages/cli/src/commands/reindex.command.ts';
import { parseDicom } from '../../packages/dicom/src/index.ts';
import { getBuffer } from '../../packages/storage/src/index.ts';
import { createIngestEnv, filesUnder, MULTI_SERIES_DIR, stowBody, waitFinal, type IngestEnv } from './ingest.harness.ts';
import { readFileSync } from 'node:fs';

const INSTANCE_NUMBER = 0x00200013;
const ACCESSION_NUMBER = 0x00080050;
const SERIES_NUMBER = 0x00200011;

describe('medgrade reindex', () => {
  let env: IngestEnv;
  beforeAll(async () => {
    env = await createIngestEnv({ worker: true });
    const { body, contentType } = stowBody(filesUnder(MULTI_SERIES_DIR).map((f) => readFileSync(f)));
    const res = await env.gw.app.inject({ method: 'POST', url: `/dicomweb/studies?projectId=${env.projectId}`, headers: { authorization: env.writer.auth, 'content-type': contentType }, payload: body });
    expect(res.statusCode).toBe(200);
    await waitFinal(env);
    // The worker forgets the raw object's key just after READY; the snapshots below compare rows whole.
    while ((await env.gw.db.prisma.instance.count({ where: { projectId: env.projectId, quarantineKey: { not: null } } })) > 0) await new Promise((r) => setTimeout(r, 100));
  });
  afterAll(async () => env?.close());

  const prisma = () => env.gw.db.prisma;
  const snapshot = async () => ({
    instances: await prisma().instance.findMany({ where: { projectId: env.projectId }, orderBy: { id: 'asc' }, omit: { updatedAt: true } }),
    series: await prisma().series.findMany({ where: { projectId: env.projectId }, orderBy: { id: 'asc' }, omit: { updatedAt: true } }),
    studies: await prisma().study.findMany({ where: { projectId: env.projectId }, orderBy: { id: 'asc' }, omit: { updatedAt: true } }),
  });
  const auditCount = () => prisma().auditEvent.count({ where: { actor: 'system:reindex' } });
  async function run(...args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runReindex({ prisma: prisma(), store: env.store, auditAnchorKey: env.gw.config.secrets.auditAnchorKeyBytes }, args, { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => err.push(t) } });
    const lines = out.join('').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    return { code, lines, summary: lines.at(-1)!.summary as Record<string, number | boolean>, text: out.join('') + err.join('') };
  }
  async function damage(sha256Of: string) {
    await prisma().$executeRaw`UPDATE "Study" SET "patientName" = NULL, "accessionNumber" = NULL, "studyTime" = NULL, "studyDescription" = NULL WHERE "projectId" = ${env.projectId}::uuid`;
    await prisma().$executeRaw`UPDATE "Series" SET "seriesNumber" = NULL, "seriesDescription" = NULL, "seriesTime" = NULL WHERE "projectId" = ${env.projectId}::uuid`;
    await prisma().$executeRaw`UPDATE "Instance" SET "instanceNumber" = NULL, "bitsAllocated" = NULL WHERE "projectId" = ${env.projectId}::uuid`;
    await prisma().$executeRaw`UPDATE "Instance" SET "sha256" = ${'0'.repeat(64)}, "byteSize" = 1 WHERE "id" = ${sha256Of}::uuid`;
  }

  it('restores the objects\' values, then changes nothing; a dry run counts the same and writes nothing', async () => {
    const before = await snapshot();
    expect(before.instances.length).toBe(17);
    expect(before.instances.every((i) => i.status === 'READY')).toBe(true);
    expect(before.series.length).toBeGreaterThan(1);
    // The columns under test hold values in these files, so NULL is a real difference.
    expect(before.studies.every((s) => s.patientName && s.accessionNumber && s.studyTime)).toBe(true);
    expect(before.series.every((s) => s.seriesNumber !== null) && before.instances.every((i) => i.instanceNumber !== null && i.bitsAllocated)).toBe(true);
    const victim = before.instances[3]!;
    await damage(victim.id);
    const damaged = await snapshot();
    const audits = await auditCount();

    const dry = await run('--dry-run', '--batch', '5');
    expect(dry.code).toBe(0);
    expect(dry.summary).toMatchObject({ dryRun: true, scanned: 17, instances: 17, series: before.series.length, studies: before.studies.length, failed: 0 });
    expect(await snapshot()).toEqual(damaged);
    expect(await auditCount()).toBe(audits);

    const real = await run('--org', 'acme', '--project', 'chest', '--batch', '5');
    expect(real.code).toBe(0);
    expect(real.summary).toMatchObject({ dryRun: false, scanned: 17, instances: 17, series: before.series.length, studies: before.studies.length, failed: 0 });
    expect(await snapshot()).toEqual(before);
    const events = await prisma().auditEvent.findMany({ where: { actor: 'system:reindex' } });
    expect(events.length).toBe(4); // 17 instances in batches of 5, one organization
    expect(events.reduce((n, e) => n + (e.details as { instances: number }).instances, 0)).toBe(17);

    // Independently of the worker: the row's hash, size and numbers are the object's.
    const fixed = await prisma().instance.findUniqueOrThrow({ where: { id: victim.id } });
    const bytes = await getBuffer(env.store, fixed.objectKey!);
    expect(fixed.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(fixed.byteSize).toBe(bytes.length);
    const ds = parseDicom(bytes).dataset;
    expect(fixed.instanceNumber).toBe(ds.getNumber(INSTANCE_NUMBER));
    const series = await prisma().series.findUniqueOrThrow({ where: { id: fixed.seriesId! }, include: { study: true } });
    expect(series.seriesNumber).toBe(ds.getNumber(SERIES_NUMBER));
    expect(series.study.accessionNumber).toBe(ds.getString(ACCESSION_NUMBER)?.trim());

    const again = await run();
    expect(again.summary).toMatchObject({ scanned: 17, instances: 0, series: 0, studies: 0, failed: 0 });
    expect(await auditCount()).toBe(audits + 4);
  });

  it('reports a missing object by id and code, leaves its row, fixes the others and exits 1', async () => {
    const rows = await prisma().instance.findMany({ where: { projectId: env.projectId }, orderBy: { id: 'asc' } });
    const gone = rows[7]!;
    await env.store.delete(gone.objectKey!);
    await prisma().$executeRaw`UPDATE "Instance" SET "instanceNumber" = NULL WHERE "projectId" = ${env.projectId}::uuid`;
    const study = await prisma().study.findFirstOrThrow({ where: { projectId: env.projectId } });

    const result = await run('--project', env.projectId);
    expect(result.code).toBe(1);
    expect(result.lines.slice(0, -1)).toEqual([{ instanceId: gone.id, code: 'OBJECT_NOT_FOUND' }]);
    expect(result.summary).toMatchObject({ scanned: 17, instances: 16, failed: 1 });
    expect((await prisma().instance.findUniqueOrThrow({ where: { id: gone.id } })).instanceNumber).toBeNull();
    expect(await prisma().instance.count({ where: { projectId: env.projectId, instanceNumber: null } })).toBe(1);
    // Ids, codes and counts only: no value of the (de-identified) headers reaches the output.
    for (const value of [study.patientName, study.accessionNumber, study.patientSurrogateId, study.studyTime]) expect(result.text).not.toContain(value);
    const last = await prisma().auditEvent.findFirstOrThrow({ where: { actor: 'system:reindex' }, orderBy: { seq: 'desc' } });
    expect(last.details).toMatchObject({ instances: 16, failed: 1 });
  });
});
