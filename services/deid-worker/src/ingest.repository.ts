// Prisma implementation of IngestRepository. Every writer of a study first takes that study's
// row lock (the upsert), so the recount statements that follow see every committed sibling:
// concurrent workers on one study serialize there and the counts stay exact.
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

async function upsertStudy(tx: Tx, inst: WorkInstance, s: InstanceSummary): Promise<string> {
  const modalities = s.modality ? [s.modality] : [];
  const rows = await tx.$queryRaw<{ id: string }[]>`
    INSERT INTO "Study" ("id", "orgId", "projectId", "studyInstanceUid", "patientSurrogateId", "patientSex",
                         "patientAgeYears", "patientAgeBand", "studyDate", "modalities", "updatedAt")
    VALUES (gen_random_uuid(), ${inst.orgId}::uuid, ${inst.projectId}::uuid, ${s.studyInstanceUid},
            ${s.patientSurrogateId ?? null}, ${s.patientSex ?? null}, ${s.patientAgeYears ?? null}::int, ${s.patientAgeBand ?? null},
            ${s.studyDate ?? null}::date, ${modalities}::text[], now())
    ON CONFLICT ("projectId", "studyInstanceUid") DO UPDATE SET
      "modalities" = ARRAY(SELECT DISTINCT m FROM unnest("Study"."modalities" || EXCLUDED."modalities") AS m ORDER BY m),
      "updatedAt" = now()
    RETURNING "id"`;
  return rows[0]!.id;
}

async function upsertSeries(tx: Tx, inst: WorkInstance, studyId: string, s: InstanceSummary): Promise<string> {
  const rows = await tx.$queryRaw<{ id: string }[]>`
    INSERT INTO "Series" ("id", "orgId", "projectId", "studyId", "seriesInstanceUid", "modality", "bodyPart",
                          "manufacturer", "seriesDate", "updatedAt")
    VALUES (gen_random_uuid(), ${inst.orgId}::uuid, ${inst.projectId}::uuid, ${studyId}::uuid, ${s.seriesInstanceUid},
            ${s.modality ?? null}, ${s.bodyPart ?? null}, ${s.manufacturer ?? null}, ${s.seriesDate ?? null}::date, now())
    ON CONFLICT ("projectId", "seriesInstanceUid") DO UPDATE SET "updatedAt" = now()
    RETURNING "id"`;
  return rows[0]!.id;
}

async function recount(tx: Tx, studyId: string, seriesId: string): Promise<void> {
  await tx.$executeRaw`
    UPDATE "Series" SET "instanceCount" =
      (SELECT count(*) FROM "Instance" WHERE "seriesId" = ${seriesId}::uuid AND "status" = 'READY')
    WHERE "id" = ${seriesId}::uuid`;
  await tx.$executeRaw`
    UPDATE "Study" SET
      "seriesCount" = (SELECT count(*) FROM "Series" WHERE "studyId" = ${studyId}::uuid),
      "instanceCount" = (SELECT count(*) FROM "Instance" i JOIN "Series" s ON i."seriesId" = s."id"
                         WHERE s."studyId" = ${studyId}::uuid AND i."status" = 'READY')
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
        const seriesId = await upsertSeries(tx, inst, studyId, s);
        await tx.instance.update({
          where: { id: inst.id },
          data: {
            status: 'READY', errorCode: null, seriesId, objectKey: result.objectKey, byteSize: result.byteSize,
            sha256: result.sha256, burnedInFlag: result.burnedInFlag, sopInstanceUid: s.sopInstanceUid,
            sopClassUid: s.sopClassUid ?? null, studyInstanceUid: s.studyInstanceUid, seriesInstanceUid: s.seriesInstanceUid,
            rows: s.rows ?? null, columns: s.columns ?? null, frames: s.frames ?? null,
          },
        });
        await recount(tx, studyId, seriesId);
        await audit(tx, { orgId: inst.orgId, action: 'instance.deidentified', resourceId: inst.id, requestId, details: { studyId, seriesId, byteSize: result.byteSize, burnedInFlag: result.burnedInFlag } });
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
