// Retention of raw uploads (PHI in quarantine/), run in the ingest reconciler's loop (one replica
// per interval, under its lease). Each pass:
//   1. runs again the instances that failed for a transient reason (FAILED DEID_FAILED: the job's
//      own retries were spent on store, database or queue faults), at most retryLimit times, the
//      first after retryBackoffMs and each further one after twice the previous wait;
//   2. ends the burned-in reviews left undecided for rawHours (REJECTED REVIEW_EXPIRED, audited);
//   3. deletes the raw object of every instance that no longer needs it — READY, REJECTED (review
//      decided or expired included), FAILED beyond its retries — and forgets its key, with one
//      `retention.raw-deleted` audit event per project (count and instance ids, nothing else).
// Idempotent: every step re-reads state and changes a row only from the state it selected it in
// (a review decided meanwhile is left alone); deletes of missing objects are no-ops, and a crash
// between a delete and the key clear is finished by the next pass.
import { randomUUID } from 'node:crypto';
import type { AuditLog } from '@medgrade/audit';
import type { JOB_CATALOG } from '@medgrade/contracts';
import { Prisma, REVIEW_EXPIRED_CODE, type PrismaClient } from '@medgrade/db';
import type { JobProducer } from '@medgrade/queue';
import type { ObjectStore } from '@medgrade/storage';
import { BURNED_IN_REVIEW } from './deid.engine.ts';

/** errorCode of a failed attempt that may be run again (the handler's last attempt writes it). */
export const DEID_FAILED = 'DEID_FAILED';
/**
 * errorCode of a FAILED row whose retry the sweep queued and that has not run yet: never final, so
 * its raw object stays however long the job waits. The claim clears it; a failed run sets DEID_FAILED.
 */
export const DEID_RETRYING = 'DEID_RETRYING';
/** errorCode of a burned-in review nobody decided within the retention limit (@medgrade/db owns it: intake reads it too). */
export const REVIEW_EXPIRED = REVIEW_EXPIRED_CODE;

/** What the retention sweep is allowed to keep (config `retention`). */
export interface RetentionOptions {
  retryLimit: number;
  retryBackoffMs: number;
  rawHours: number;
}

/** A row whose raw object is about to go. */
export interface RawHolder {
  id: string;
  orgId: string;
  projectId: string;
  quarantineKey: string;
}

/** What one pass did (counts only). */
export interface RetentionResult {
  retried: number;
  reviewsExpired: number;
  rawDeleted: number;
}

/** Which final rows one release takes: those last changed more than graceMs ago, or exactly these ids. */
export type FinalSelection = { graceMs: number } | { ids: string[] };

/** The rows the sweep reads and changes; every age is measured with the database's clock. */
export interface RetentionRepository {
  /** Marks up to `limit` failed rows whose backoff has passed as retrying (DEID_RETRYING, counted); returns their ids. */
  takeRetries(limit: number, options: RetentionOptions): Promise<string[]>;
  /** Retries queued more than graceMs ago that have not run yet (their job may be lost); touches them. */
  staleRetries(graceMs: number, limit: number): Promise<string[]>;
  /** Ends reviews of rows uploaded more than rawHours ago (REJECTED REVIEW_EXPIRED, audited); returns their ids. */
  expireReviews(rawHours: number, limit: number): Promise<string[]>;
  /**
   * Locks final rows that still hold a raw object (skipping rows locked by a claim), lets `remove`
   * delete their objects, clears their keys and audits the deletion per project, in one transaction:
   * a claim cannot take a row between its selection and its key clear. Returns how many it released.
   */
  releaseFinal(which: FinalSelection, limit: number, retryLimit: number, requestId: string, remove: (keys: string[]) => Promise<void>): Promise<number>;
}

/** Adapters of one pass. */
export interface RetentionDeps {
  repo: RetentionRepository;
  store: Pick<ObjectStore, 'deleteMany'>;
  jobs: Pick<JobProducer<Pick<typeof JOB_CATALOG, 'InstanceDeidentify'>>, 'requeueMany' | 'areLive'>;
}

const ACTOR = 'system:deid-worker';

/** One retention pass; graceMs keeps it off rows the worker itself may still be finishing. */
export async function sweepRetention(deps: RetentionDeps, options: RetentionOptions & { graceMs: number; batchSize: number; retryGraceMs?: number | undefined }): Promise<RetentionResult> {
  const requestId = `retention-${randomUUID()}`;
  const payloads = (ids: string[]) => ids.map((instanceId) => ({ requestId, instanceId }));
  const retryIds = await deps.repo.takeRetries(options.batchSize, options);
  const retried = retryIds.length === 0 ? 0 : await deps.jobs.requeueMany('InstanceDeidentify', payloads(retryIds));
  await requeueLostRetries(deps, options.retryGraceMs ?? options.graceMs, options.batchSize, payloads);
  const expired = await deps.repo.expireReviews(options.rawHours, options.batchSize);
  const remove = (keys: string[]) => deps.store.deleteMany(keys);
  const expiredDeleted = expired.length === 0 ? 0 : await deps.repo.releaseFinal({ ids: expired }, options.batchSize, options.retryLimit, requestId, remove);
  const finalDeleted = await deps.repo.releaseFinal({ graceMs: options.graceMs }, options.batchSize, options.retryLimit, requestId, remove);
  return { retried, reviewsExpired: expired.length, rawDeleted: expiredDeleted + finalDeleted };
}

// A queued retry whose job is gone (Redis lost it, or every attempt failed before the claim) would
// keep its raw object forever: it is queued again, uncounted (it never ran).
async function requeueLostRetries(deps: RetentionDeps, graceMs: number, limit: number, payloads: (ids: string[]) => { requestId: string; instanceId: string }[]): Promise<void> {
  const stale = await deps.repo.staleRetries(graceMs, limit);
  if (stale.length === 0) return;
  const live = await deps.jobs.areLive('InstanceDeidentify', payloads(stale));
  const lost = stale.filter((_, i) => !live[i]);
  if (lost.length > 0) await deps.jobs.requeueMany('InstanceDeidentify', payloads(lost));
}

/**
 * Final rows that still hold a raw object: READY, REJECTED but an open review, FAILED for a final
 * reason or beyond its retries (a queued retry, DEID_RETRYING, is not final until it has run).
 */
function finalSql(retryLimit: number): Prisma.Sql {
  return Prisma.sql`("status" = 'READY'
        OR ("status" = 'REJECTED' AND "errorCode" IS DISTINCT FROM ${BURNED_IN_REVIEW})
        OR ("status" = 'FAILED' AND CASE "errorCode" WHEN ${DEID_RETRYING} THEN false WHEN ${DEID_FAILED} THEN "retryCount" >= ${retryLimit}::int ELSE true END))`;
}

/**
 * Final rows that still hold a raw object, locked (SKIP LOCKED: a row a claim holds is left for the
 * next pass): a range of the partial index "Instance_quarantined_createdAt_idx" (only rows whose
 * quarantineKey is set: in flight, under review, or a deletion cut short), never the READY bulk.
 */
export function finalHoldersSql(which: FinalSelection, limit: number, retryLimit: number): Prisma.Sql {
  const age = 'ids' in which ? Prisma.sql`"id" = ANY(${which.ids}::uuid[])` : Prisma.sql`"updatedAt" < now() - ${which.graceMs}::float8 * interval '1 millisecond'`;
  return Prisma.sql`
    SELECT "id"::text AS "id", "orgId"::text AS "orgId", "projectId"::text AS "projectId", "quarantineKey" FROM "Instance"
    WHERE "quarantineKey" IS NOT NULL AND ${age} AND ${finalSql(retryLimit)}
    ORDER BY "createdAt" LIMIT ${limit}::int
    FOR UPDATE SKIP LOCKED`;
}

/** The Prisma implementation; every scan is a range of the partial index on rows holding a raw object. */
export function createRetentionRepository(prisma: PrismaClient, auditLog: AuditLog): RetentionRepository {
  return {
    async takeRetries(limit, { retryLimit, retryBackoffMs }) {
      const rows = await prisma.$queryRaw<{ id: string }[]>`
        WITH due AS (
          SELECT "id" FROM "Instance"
          WHERE "quarantineKey" IS NOT NULL AND "status" = 'FAILED' AND "errorCode" = ${DEID_FAILED} AND "retryCount" < ${retryLimit}::int
            AND "updatedAt" < now() - (${retryBackoffMs}::float8 * power(2, "retryCount")) * interval '1 millisecond'
          ORDER BY "createdAt" LIMIT ${limit}::int FOR UPDATE SKIP LOCKED)
        UPDATE "Instance" AS i SET "retryCount" = i."retryCount" + 1, "errorCode" = ${DEID_RETRYING}, "updatedAt" = now()
        FROM due WHERE i."id" = due."id" AND i."status" = 'FAILED'
        RETURNING i."id"::text AS "id"`;
      return rows.map((r) => r.id);
    },
    async staleRetries(graceMs, limit) {
      const rows = await prisma.$queryRaw<{ id: string }[]>`
        WITH due AS (
          SELECT "id" FROM "Instance"
          WHERE "quarantineKey" IS NOT NULL AND "status" = 'FAILED' AND "errorCode" = ${DEID_RETRYING}
            AND "updatedAt" < now() - ${graceMs}::float8 * interval '1 millisecond'
          ORDER BY "createdAt" LIMIT ${limit}::int FOR UPDATE SKIP LOCKED)
        UPDATE "Instance" AS i SET "updatedAt" = now()
        FROM due WHERE i."id" = due."id" AND i."errorCode" = ${DEID_RETRYING}
        RETURNING i."id"::text AS "id"`;
      return rows.map((r) => r.id);
    },
    async expireReviews(rawHours, limit) {
      return prisma.$transaction(async (tx) => {
        const rows = await tx.$queryRaw<RawHolder[]>`
          WITH due AS (
            SELECT "id" FROM "Instance"
            WHERE "quarantineKey" IS NOT NULL AND "status" = 'REJECTED' AND "errorCode" = ${BURNED_IN_REVIEW}
              AND "createdAt" < now() - ${rawHours}::float8 * interval '1 hour'
            ORDER BY "createdAt" LIMIT ${limit}::int FOR UPDATE SKIP LOCKED)
          UPDATE "Instance" AS i SET "errorCode" = ${REVIEW_EXPIRED}, "updatedAt" = now()
          FROM due WHERE i."id" = due."id" AND i."errorCode" = ${BURNED_IN_REVIEW}
          RETURNING i."id"::text AS "id", i."orgId"::text AS "orgId", i."projectId"::text AS "projectId", i."quarantineKey"`;
        await auditLog.appendMany(rows.map((r) => ({
          orgId: r.orgId, projectId: r.projectId, actor: ACTOR, action: 'instance.rejected', resourceType: 'instance', resourceId: r.id, details: { code: REVIEW_EXPIRED },
        })), tx);
        return rows.map((r) => r.id);
      });
    },
    // The objects are deleted while the rows are locked; a crash before commit leaves keys whose
    // objects are gone, which the next pass finishes (deleting a missing object is a no-op).
    async releaseFinal(which, limit, retryLimit, requestId, remove) {
      return prisma.$transaction(async (tx) => {
        const rows = await tx.$queryRaw<RawHolder[]>(finalHoldersSql(which, limit, retryLimit));
        if (rows.length === 0) return 0;
        await remove(rows.map((r) => r.quarantineKey));
        await tx.$executeRaw`UPDATE "Instance" SET "quarantineKey" = NULL, "updatedAt" = now() WHERE "id" = ANY(${rows.map((r) => r.id)}::uuid[])`;
        const byProject = new Map<string, RawHolder[]>();
        for (const r of rows) byProject.set(r.projectId, [...(byProject.get(r.projectId) ?? []), r]);
        await auditLog.appendMany([...byProject.values()].map((group) => ({
          orgId: group[0]!.orgId, projectId: group[0]!.projectId, actor: ACTOR, action: 'retention.raw-deleted', resourceType: 'instance', requestId,
          details: { count: group.length, instanceIds: group.map((r) => r.id) },
        })), tx);
        return rows.length;
      }, { timeout: 60_000 });
    },
  };
}
