// Prisma implementation of IngestRepository. The READY transaction is ordered so that the
// contended locks (the study/series rows for the counters, then the organization's audit chain)
// are taken last and held only until commit: many workers on one study overlap everything else.
import type { Prisma, PrismaClient } from '@medgrade/db';
import type { IngestRepository, InstanceSummary, ReadyResult, WorkInstance } from './ingest.ports.ts';

type Tx = Prisma.TransactionClient;

/** One audit event written inside the status transaction (no PHI in details). */
export interface IngestAuditEvent {
  orgId: string;
  action: 'instance.deidentified' | 'instance.rejected';
  resourceId: string;
  requestId?: string;
  details: Record<string, string | number | boolean>;
}

/** Appends an audit event with the transaction's client (packages/audit). */
export type AuditInTx = (tx: Tx, event: IngestAuditEvent) => Promise<void>;

// No row lock here: DO NOTHING leaves an existing study untouched, so concurrent workers on one
// study do not queue behind each other until the final counter update.
async function upsertStudy(tx: Tx, inst: WorkInstance, s: InstanceSummary): Promise<string> {
  const inserted = await tx.$queryRaw<{ id: string }[]>`
    INSERT INTO "Study" ("id", "orgId", "projectId", "studyInstanceUid", "patientSurrogateId", "patientSex",
                         "patientAgeYears", "patientAgeBand", "studyDate", "modalities", "updatedAt")
    VALUES (gen_random_uuid(), ${inst.orgId}::uuid, ${inst.projectId}::uuid, ${s.studyInstanceUid},
            ${s.patientSurrogateId ?? null}, ${s.patientSex ?? null}, ${s.patientAgeYears ?? null}::int, ${s.patientAgeBand ?? null},
            ${s.studyDate ?? null}::date, ${s.modality ? [s.modality] : []}::text[], now())
    ON CONFLICT ("projectId", "studyInstanceUid") DO NOTHING
    RETURNING "id"`;
  if (inserted[0]) return inserted[0].id;
  const found = await tx.study.findUniqueOrThrow({ where: { projectId_studyInstanceUid: { projectId: inst.projectId, studyInstanceUid: s.studyInstanceUid } }, select: { id: true } });
  return found.id;
}

/** The series id and whether this transaction created it (it then counts once for the study). */
async function upsertSeries(tx: Tx, inst: WorkInstance, studyId: string, s: InstanceSummary): Promise<{ id: string; created: boolean }> {
  const inserted = await tx.$queryRaw<{ id: string }[]>`
    INSERT INTO "Series" ("id", "orgId", "projectId", "studyId", "seriesInstanceUid", "modality", "bodyPart",
                          "manufacturer", "seriesDate", "updatedAt")
    VALUES (gen_random_uuid(), ${inst.orgId}::uuid, ${inst.projectId}::uuid, ${studyId}::uuid, ${s.seriesInstanceUid},
            ${s.modality ?? null}, ${s.bodyPart ?? null}, ${s.manufacturer ?? null}, ${s.seriesDate ?? null}::date, now())
    ON CONFLICT ("projectId", "seriesInstanceUid") DO NOTHING
    RETURNING "id"`;
  if (inserted[0]) return { id: inserted[0].id, created: true };
  const found = await tx.series.findUniqueOrThrow({ where: { projectId_seriesInstanceUid: { projectId: inst.projectId, seriesInstanceUid: s.seriesInstanceUid } }, select: { id: true } });
  return { id: found.id, created: false };
}

// Counters move only in the transaction that turned the instance READY (so a retry never counts
// twice), in one statement at the end: the study and series row locks are held only from here to
// commit. The modality list changes only when a new modality appears.
async function count(tx: Tx, studyId: string, seriesId: string, seriesCreated: boolean, modality: string | undefined): Promise<void> {
  await tx.$executeRaw`
    WITH s AS (UPDATE "Series" SET "instanceCount" = "instanceCount" + 1, "updatedAt" = now() WHERE "id" = ${seriesId}::uuid)
    UPDATE "Study" SET
      "instanceCount" = "instanceCount" + 1,
      "seriesCount" = "seriesCount" + ${seriesCreated ? 1 : 0}::int,
      "modalities" = CASE WHEN ${modality ?? null}::text IS NULL OR ${modality ?? null}::text = ANY("modalities") THEN "modalities"
                          ELSE ARRAY(SELECT DISTINCT m FROM unnest("modalities" || ARRAY[${modality ?? null}::text]) AS m ORDER BY m) END,
      "updatedAt" = now()
    WHERE "id" = ${studyId}::uuid`;
}

/** Builds the repository over a Prisma client and the audit appender. */
export function createIngestRepository(prisma: PrismaClient, audit: AuditInTx): IngestRepository {
  return {
    async find(instanceId) {
      return prisma.instance.findUnique({
        where: { id: instanceId },
        select: { id: true, orgId: true, projectId: true, status: true, quarantineKey: true },
      });
    },
    async markDeidentifying(instanceId) {
      const { count } = await prisma.instance.updateMany({
        where: { id: instanceId, status: { in: ['RECEIVED', 'DEIDENTIFYING', 'FAILED'] } },
        data: { status: 'DEIDENTIFYING', errorCode: null },
      });
      return count === 1;
    },
    async markReady(inst, result: ReadyResult, requestId) {
      const s = result.summary;
      await prisma.$transaction(async (tx) => {
        const studyId = await upsertStudy(tx, inst, s);
        const series = await upsertSeries(tx, inst, studyId, s);
        const { count: turnedReady } = await tx.instance.updateMany({
          where: { id: inst.id, status: { not: 'READY' } },
          data: {
            status: 'READY', errorCode: null, seriesId: series.id, objectKey: result.objectKey, byteSize: result.byteSize,
            sha256: result.sha256, burnedInFlag: result.burnedInFlag, sopInstanceUid: s.sopInstanceUid,
            sopClassUid: s.sopClassUid ?? null, studyInstanceUid: s.studyInstanceUid, seriesInstanceUid: s.seriesInstanceUid,
            rows: s.rows ?? null, columns: s.columns ?? null, frames: s.frames ?? null,
          },
        });
        if (turnedReady === 0) return;
        await count(tx, studyId, series.id, series.created, s.modality);
        // Last: the audit chain's per-organization lock is then held only until commit.
        await audit(tx, { orgId: inst.orgId, action: 'instance.deidentified', resourceId: inst.id, requestId, details: { studyId, seriesId: series.id, byteSize: result.byteSize, burnedInFlag: result.burnedInFlag } });
      });
    },
    async markRejected(inst, code, requestId) {
      await prisma.$transaction(async (tx) => {
        await tx.instance.update({ where: { id: inst.id }, data: { status: 'REJECTED', errorCode: code } });
        await audit(tx, { orgId: inst.orgId, action: 'instance.rejected', resourceId: inst.id, requestId, details: { code } });
      });
    },
    async markFailed(instanceId, code) {
      await prisma.instance.updateMany({ where: { id: instanceId, status: { not: 'READY' } }, data: { status: 'FAILED', errorCode: code } });
    },
    async clearQuarantine(instanceId) {
      await prisma.instance.update({ where: { id: instanceId }, data: { quarantineKey: null } });
    },
  };
}
