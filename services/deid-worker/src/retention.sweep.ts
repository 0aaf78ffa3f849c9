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
import { Prisma, type PrismaClient } from '@medgrade/db';
import type { JobProducer } from '@medgrade/queue';
import type { ObjectStore } from '@medgrade/storage';
import { BURNED_IN_REVIEW } from './deid.engine.ts';

/** errorCode of a failed attempt that may be run again (the handler's last attempt writes it). */
export const DEID_FAILED = 'DEID_FAILED';
/** errorCode of a burned-in review nobody decided within the retention limit. */
export const REVIEW_EXPIRED = 'REVIEW_EXPIRED';

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

/** The rows the sweep reads and changes. */
export interface RetentionRepository {
  /** Marks up to `limit` failed rows whose backoff has passed as retried once more; returns their ids. */
  takeRetries(now: Date, limit: number, options: RetentionOptions): Promise<string[]>;
  /** Ends reviews of rows uploaded before `cutoff` (REJECTED REVIEW_EXPIRED, audited); returns them. */
  expireReviews(cutoff: Date, limit: number): Promise<RawHolder[]>;
  /** Final rows, last changed before `before`, that still hold a raw object. */
  finalHolders(before: Date, limit: number, retryLimit: number): Promise<RawHolder[]>;
  /** Clears the keys of rows whose objects are gone and audits the deletion per project. */
  forget(rows: RawHolder[], requestId: string): Promise<void>;
}

/** Adapters of one pass. */
export interface RetentionDeps {
  repo: RetentionRepository;
  store: Pick<ObjectStore, 'deleteMany'>;
  jobs: Pick<JobProducer<Pick<typeof JOB_CATALOG, 'InstanceDeidentify'>>, 'requeueMany'>;
  now?: () => Date;
}

const ACTOR = 'system:deid-worker';
const HOUR_MS = 3600_000;

/** One retention pass; graceMs keeps it off rows the worker itself may still be finishing. */
export async function sweepRetention(deps: RetentionDeps, options: RetentionOptions & { graceMs: number; batchSize: number }): Promise<RetentionResult> {
  const now = deps.now?.() ?? new Date();
  const requestId = `retention-${randomUUID()}`;
  const retryIds = await deps.repo.takeRetries(now, options.batchSize, options);
  const retried = retryIds.length === 0 ? 0 : await deps.jobs.requeueMany('InstanceDeidentify', retryIds.map((instanceId) => ({ requestId, instanceId })));
  const expired = await deps.repo.expireReviews(new Date(now.getTime() - options.rawHours * HOUR_MS), options.batchSize);
  const final = await deps.repo.finalHolders(new Date(now.getTime() - options.graceMs), options.batchSize, options.retryLimit);
  const holders = [...new Map([...expired, ...final].map((r) => [r.id, r])).values()];
  if (holders.length > 0) {
    await deps.store.deleteMany(holders.map((r) => r.quarantineKey));
    await deps.repo.forget(holders, requestId);
  }
  return { retried, reviewsExpired: expired.length, rawDeleted: holders.length };
}

/**
 * Final rows that still hold a raw object: a range of the partial index "Instance_quarantined_createdAt_idx"
 * (only rows whose quarantineKey is set: in flight, under review, or a deletion cut short), never the READY bulk.
 */
export function finalHoldersSql(before: Date, limit: number, retryLimit: number): Prisma.Sql {
  return Prisma.sql`
    SELECT "id"::text AS "id", "orgId"::text AS "orgId", "projectId"::text AS "projectId", "quarantineKey" FROM "Instance"
    WHERE "quarantineKey" IS NOT NULL AND "updatedAt" < ${before}::timestamptz
      AND ("status" = 'READY'
        OR ("status" = 'REJECTED' AND "errorCode" IS DISTINCT FROM ${BURNED_IN_REVIEW})
        OR ("status" = 'FAILED' AND ("errorCode" IS DISTINCT FROM ${DEID_FAILED} OR "retryCount" >= ${retryLimit}::int)))
    ORDER BY "createdAt" LIMIT ${limit}::int`;
}

/** The Prisma implementation; every scan is a range of the partial index on rows holding a raw object. */
export function createRetentionRepository(prisma: PrismaClient, auditLog: AuditLog): RetentionRepository {
  return {
    async takeRetries(now, limit, { retryLimit, retryBackoffMs }) {
      const rows = await prisma.$queryRaw<{ id: string }[]>`
        WITH due AS (
          SELECT "id" FROM "Instance"
          WHERE "quarantineKey" IS NOT NULL AND "status" = 'FAILED' AND "errorCode" = ${DEID_FAILED} AND "retryCount" < ${retryLimit}::int
            AND "updatedAt" < ${now}::timestamptz - (${retryBackoffMs}::float8 * power(2, "retryCount")) * interval '1 millisecond'
          ORDER BY "createdAt" LIMIT ${limit}::int FOR UPDATE SKIP LOCKED)
        UPDATE "Instance" AS i SET "retryCount" = i."retryCount" + 1, "updatedAt" = now()
        FROM due WHERE i."id" = due."id" AND i."status" = 'FAILED'
        RETURNING i."id"::text AS "id"`;
      return rows.map((r) => r.id);
    },
    async expireReviews(cutoff, limit) {
      return prisma.$transaction(async (tx) => {
        const rows = await tx.$queryRaw<RawHolder[]>`
          WITH due AS (
            SELECT "id" FROM "Instance"
            WHERE "quarantineKey" IS NOT NULL AND "status" = 'REJECTED' AND "errorCode" = ${BURNED_IN_REVIEW} AND "createdAt" < ${cutoff}::timestamptz
            ORDER BY "createdAt" LIMIT ${limit}::int FOR UPDATE SKIP LOCKED)
          UPDATE "Instance" AS i SET "errorCode" = ${REVIEW_EXPIRED}, "updatedAt" = now()
          FROM due WHERE i."id" = due."id" AND i."errorCode" = ${BURNED_IN_REVIEW}
          RETURNING i."id"::text AS "id", i."orgId"::text AS "orgId", i."projectId"::text AS "projectId", i."quarantineKey"`;
        await auditLog.appendMany(rows.map((r) => ({
          orgId: r.orgId, projectId: r.projectId, actor: ACTOR, action: 'instance.rejected', resourceType: 'instance', resourceId: r.id, details: { code: REVIEW_EXPIRED },
        })), tx);
        return rows;
      });
    },
    finalHolders: (before, limit, retryLimit) => prisma.$queryRaw<RawHolder[]>(finalHoldersSql(before, limit, retryLimit)),
    async forget(rows, requestId) {
      await prisma.$transaction(async (tx) => {
        await tx.$executeRaw`UPDATE "Instance" SET "quarantineKey" = NULL, "updatedAt" = now() WHERE "id" = ANY(${rows.map((r) => r.id)}::uuid[])`;
        const byProject = new Map<string, RawHolder[]>();
        for (const r of rows) byProject.set(r.projectId, [...(byProject.get(r.projectId) ?? []), r]);
        await auditLog.appendMany([...byProject.values()].map((group) => ({
          orgId: group[0]!.orgId, projectId: group[0]!.projectId, actor: ACTOR, action: 'retention.raw-deleted', resourceType: 'instance', requestId,
          details: { count: group.length, instanceIds: group.map((r) => r.id) },
        })), tx);
      });
    },
  };
}
