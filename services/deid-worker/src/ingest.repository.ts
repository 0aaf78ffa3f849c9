// Prisma implementation of IngestRepository, built for throughput: a worker runs many jobs at
// once, and the instances that finish while one READY transaction commits are committed together
// in the next (DynamicBatcher: one batch at a time, no added delay when idle). A batch is a fixed
// number of statements whatever its size: upsert its studies, upsert its series, set its
// instances READY, move the counters, append its audit events. Locks are taken in a fixed order
// (studies and series sorted by key, then the organization's audit chain, last, held only until
// commit), so batches on other workers overlapping the same study queue instead of deadlocking.
// A batch that fails is retried one instance at a time, so one bad row cannot fail its neighbours;
// an instance whose READY update the live-SOP index refuses then fails alone with
// DuplicateSopInstanceError (instance.sop.ts).
// Set-based statements read their rows from one jsonb parameter (jsonb_to_recordset).
import { INSTANCE_COLUMNS, Prisma, SERIES_COLUMNS, STUDY_COLUMNS, columnList, recordsetDefs, type IndexColumn, type PrismaClient } from '@medgrade/db';
import { DynamicBatcher } from '@medgrade/batching';
import { DuplicateSopInstanceError, type IngestRepository, type WorkInstance } from './ingest.ports.ts';
import { instanceRows, json, seriesRows, studyKey, studyRows, type KeyedId, type ReadyItem } from './ingest.rows.ts';
import { holdSop, isLiveSopConflict } from './instance.sop.ts';
import { DEID_FAILED, DEID_RETRYING } from './retention.sweep.ts';
import { settle, sharedBatch, unwrap, type Outcome } from './shared.batch.ts';

type Tx = Prisma.TransactionClient;

/** One audit event written inside the status transaction (no PHI in details). */
export interface IngestAuditEvent {
  orgId: string;
  action: 'instance.deidentified' | 'instance.rejected';
  resourceId: string;
  requestId?: string;
  details: Record<string, string | number | boolean>;
}

/** Appends audit events with the transaction's client (packages/audit), in order. */
export type AuditInTx = (tx: Tx, events: IngestAuditEvent[]) => Promise<void>;

/** Most instances one READY transaction commits. */
const MAX_READY_BATCH = 64;

// The index columns (@medgrade/db index.columns.ts) as SQL text: constants, never input.
const sqlOf = (columns: readonly IndexColumn[]) => ({ columns: Prisma.raw(columnList(columns)), values: Prisma.raw(columnList(columns, 'x')), defs: Prisma.raw(recordsetDefs(columns)) });
const STUDY = sqlOf(STUDY_COLUMNS);
const SERIES = sqlOf(SERIES_COLUMNS);
const INSTANCE_SET = Prisma.raw(INSTANCE_COLUMNS.map((c) => `"${c.name}" = x."${c.name}"`).join(', '));
const INSTANCE_DEFS = Prisma.raw(recordsetDefs(INSTANCE_COLUMNS));

/** A table keyed by (project, UID) whose rows the READY commit inserts if missing: its SQL pieces, constants. */
interface KeyedTable {
  name: 'Study' | 'Series';
  table: Prisma.Sql;
  uid: Prisma.Sql;
  /** The jsonb rows' record definition. */
  defs: Prisma.Sql;
  columns: Prisma.Sql;
  values: Prisma.Sql;
}

const STUDIES: KeyedTable = {
  name: 'Study', table: Prisma.raw('"Study"'), uid: Prisma.raw('"studyInstanceUid"'),
  defs: Prisma.sql`"orgId" uuid, "projectId" uuid, "uid" text, "patientAgeBand" text, "modalities" text[], ${STUDY.defs}`,
  columns: Prisma.sql`"id", "orgId", "projectId", "studyInstanceUid", "patientAgeBand", "modalities", ${STUDY.columns}, "updatedAt"`,
  values: Prisma.sql`gen_random_uuid(), x."orgId", x."projectId", x."uid", x."patientAgeBand", x."modalities", ${STUDY.values}, now()`,
};

const SERIES_TABLE: KeyedTable = {
  name: 'Series', table: Prisma.raw('"Series"'), uid: Prisma.raw('"seriesInstanceUid"'),
  defs: Prisma.sql`"orgId" uuid, "projectId" uuid, "uid" text, "studyId" uuid, ${SERIES.defs}`,
  columns: Prisma.sql`"id", "orgId", "projectId", "studyId", "seriesInstanceUid", ${SERIES.columns}, "updatedAt"`,
  values: Prisma.sql`gen_random_uuid(), x."orgId", x."projectId", x."studyId", x."uid", ${SERIES.values}, now()`,
};

// INSERT … ON CONFLICT DO NOTHING leaves existing rows untouched (no row lock), so concurrent
// batches on one study do not queue here. The same statement reads the ids of the rows that
// existed when it started (a data-modifying CTE's rows are invisible to the rest of its statement,
// so no row comes twice); only a row that another transaction committed while it ran (skipped by
// ON CONFLICT, after the statement's snapshot) needs a second read.
async function upsertKeyed(tx: Tx, t: KeyedTable, rows: { projectId: string; uid: string }[]): Promise<Map<string, KeyedId>> {
  const found = await tx.$queryRaw<KeyedId[]>`
    WITH x AS (SELECT * FROM jsonb_to_recordset(${json(rows)}::jsonb) AS x(${t.defs})),
    ins AS (
      INSERT INTO ${t.table} (${t.columns}) SELECT ${t.values} FROM x
      ON CONFLICT ("projectId", ${t.uid}) DO NOTHING
      RETURNING "id", "projectId", ${t.uid} AS "uid")
    SELECT "id"::text AS "id", "projectId"::text AS "projectId", "uid", true AS "created" FROM ins
    UNION ALL
    SELECT s."id"::text, s."projectId"::text, s.${t.uid}, false FROM ${t.table} s JOIN x ON s."projectId" = x."projectId" AND s.${t.uid} = x."uid"`;
  return withExisting(tx, t, rows, found);
}

const upsertStudies = (tx: Tx, items: ReadyItem[]) => upsertKeyed(tx, STUDIES, studyRows(items));
const upsertSeries = (tx: Tx, items: ReadyItem[], studies: Map<string, KeyedId>) => upsertKeyed(tx, SERIES_TABLE, seriesRows(items, studies));

/** The rows found so far, plus those another transaction committed while the upsert ran (read again). */
async function withExisting(tx: Tx, t: KeyedTable, rows: { projectId: string; uid: string }[], found: KeyedId[]): Promise<Map<string, KeyedId>> {
  const byKey = new Map(found.map((r) => [studyKey(r.projectId, r.uid), r]));
  const missing = rows.filter((r) => !byKey.has(studyKey(r.projectId, r.uid))).map((r) => ({ projectId: r.projectId, uid: r.uid }));
  if (missing.length === 0) return byKey;
  const existing = await tx.$queryRaw<KeyedId[]>`
    SELECT s."id"::text AS "id", s."projectId"::text AS "projectId", s.${t.uid} AS "uid", false AS "created"
    FROM ${t.table} s JOIN jsonb_to_recordset(${json(missing)}::jsonb) AS x("projectId" uuid, "uid" text)
      ON s."projectId" = x."projectId" AND s.${t.uid} = x."uid"`;
  for (const r of existing) byKey.set(studyKey(r.projectId, r.uid), r);
  if (byKey.size < rows.length) throw new Error(`${t.name} rows vanished during the READY commit`);
  return byKey;
}

/** Sets the batch's instances READY; returns the ids that were not READY before (they count). */
async function setReady(tx: Tx, items: ReadyItem[], series: Map<string, KeyedId>): Promise<Set<string>> {
  const turned = await tx.$queryRaw<{ id: string }[]>`
    UPDATE "Instance" AS i SET
      "status" = 'READY', "errorCode" = NULL, "seriesId" = x."seriesId", "objectKey" = x."objectKey", "burnedInFlag" = x."burnedIn",
      "sopInstanceUid" = x."sop", "studyInstanceUid" = x."study", "seriesInstanceUid" = x."seriesUid", ${INSTANCE_SET}, "updatedAt" = now()
    FROM jsonb_to_recordset(${json(instanceRows(items, series))}::jsonb) AS x("id" uuid, "seriesId" uuid, "objectKey" text, "burnedIn" boolean,
                                                       "sop" text, "study" text, "seriesUid" text, ${INSTANCE_DEFS})
    WHERE i."id" = x."id" AND i."status" <> 'READY'
    RETURNING i."id"::text AS "id"`;
  return new Set(turned.map((r) => r.id));
}

// Counters move only in the transaction that turned an instance READY (so a retry never counts
// twice). Rows are locked in id order first: batches of two workers on the same study then queue.
// FOR NO KEY UPDATE, not FOR UPDATE: the instance and series rows this transaction wrote hold
// FOR KEY SHARE locks on their series and study (foreign keys), and two batches holding those
// would deadlock on FOR UPDATE, which conflicts with KEY SHARE.
async function count(tx: Tx, items: ReadyItem[], turned: Set<string>, studies: Map<string, KeyedId>, series: Map<string, KeyedId>): Promise<void> {
  const seriesCounts = new Map<string, number>();
  const studyCounts = new Map<string, { n: number; created: Set<string>; modalities: Set<string> }>();
  for (const { inst, result: { summary: s } } of items) {
    if (!turned.has(inst.id)) continue;
    const se = series.get(studyKey(inst.projectId, s.seriesInstanceUid));
    const st = studies.get(studyKey(inst.projectId, s.studyInstanceUid));
    if (!se || !st) continue;
    seriesCounts.set(se.id, (seriesCounts.get(se.id) ?? 0) + 1);
    const c = studyCounts.get(st.id) ?? { n: 0, created: new Set(), modalities: new Set() };
    c.n += 1;
    if (se.created) c.created.add(se.id);
    if (s.modality) c.modalities.add(s.modality);
    studyCounts.set(st.id, c);
  }
  if (seriesCounts.size === 0) return;
  const seriesRows = [...seriesCounts].map(([id, n]) => ({ id, n }));
  const studyRows = [...studyCounts].map(([id, c]) => ({ id, n: c.n, created: c.created.size, modalities: [...c.modalities] }));
  await tx.$executeRaw`
    WITH x AS (SELECT * FROM jsonb_to_recordset(${json(seriesRows)}::jsonb) AS x("id" uuid, "n" int)),
         locked AS (SELECT "id" FROM "Series" WHERE "id" IN (SELECT "id" FROM x) ORDER BY "id" FOR NO KEY UPDATE)
    UPDATE "Series" AS s SET "instanceCount" = s."instanceCount" + x."n", "updatedAt" = now()
    FROM x WHERE s."id" = x."id" AND s."id" IN (SELECT "id" FROM locked)`;
  await tx.$executeRaw`
    WITH x AS (SELECT * FROM jsonb_to_recordset(${json(studyRows)}::jsonb) AS x("id" uuid, "n" int, "created" int, "modalities" text[])),
         locked AS (SELECT "id" FROM "Study" WHERE "id" IN (SELECT "id" FROM x) ORDER BY "id" FOR NO KEY UPDATE)
    UPDATE "Study" AS s SET
      "instanceCount" = s."instanceCount" + x."n",
      "seriesCount" = s."seriesCount" + x."created",
      "modalities" = CASE WHEN x."modalities" <@ s."modalities" THEN s."modalities"
                          ELSE ARRAY(SELECT DISTINCT m FROM unnest(s."modalities" || x."modalities") AS m ORDER BY m) END,
      "updatedAt" = now()
    FROM x WHERE s."id" = x."id" AND s."id" IN (SELECT "id" FROM locked)`;
}

async function commitReady(prisma: PrismaClient, audit: AuditInTx, items: ReadyItem[]): Promise<void> {
  await prisma.$transaction(async (tx) => {
    const studies = await upsertStudies(tx, items);
    const series = await upsertSeries(tx, items, studies);
    const turned = await setReady(tx, items, series);
    if (turned.size === 0) return;
    await count(tx, items, turned, studies, series);
    // Last: the audit chain's per-organization lock is then held only until commit.
    await audit(tx, items.filter((i) => turned.has(i.inst.id)).map(({ inst, result, requestId }) => ({
      orgId: inst.orgId, action: 'instance.deidentified' as const, resourceId: inst.id, requestId,
      details: {
        studyId: studies.get(studyKey(inst.projectId, result.summary.studyInstanceUid))?.id ?? '',
        seriesId: series.get(studyKey(inst.projectId, result.summary.seriesInstanceUid))?.id ?? '',
        byteSize: result.byteSize, burnedInFlag: result.burnedInFlag,
        // The reviewer key whose approval kept the pixel data (no reason here: the review event has it).
        ...(result.burnedInApprovedBy ? { burnedInApprovedBy: result.burnedInApprovedBy } : {}),
      },
    })));
  }, { timeout: 30_000 });
}

/** Builds the repository over a Prisma client and the audit appender. */
export function createIngestRepository(prisma: PrismaClient, audit: AuditInTx, options: { onBatchFailed?: (size: number, error: unknown) => void } = {}): IngestRepository {
  // Alone, an instance refused by the live-SOP index is a duplicate (final), not a transient fault.
  const commitOne = async (item: ReadyItem): Promise<Outcome> => {
    const outcome = await settle(() => commitReady(prisma, audit, [item]));
    return !outcome.ok && isLiveSopConflict(outcome.error) ? { ok: false, error: new DuplicateSopInstanceError() } : outcome;
  };
  const ready = new DynamicBatcher<ReadyItem, Outcome>({
    maxBatchSize: MAX_READY_BATCH,
    maxQueueDelayMs: 0,
    run: async (items) => {
      if (items.length === 1) return [await commitOne(items[0]!)];
      const all = await settle(() => commitReady(prisma, audit, items));
      if (all.ok) return items.map(() => all);
      options.onBatchFailed?.(items.length, all.error);
      const each: Outcome[] = [];
      for (const item of items) each.push(await commitOne(item));
      return each;
    },
  });
  // Forgetting quarantine keys after their objects are gone: one UPDATE for whatever is waiting.
  const clearQuarantine = sharedBatch<string>(256, async (ids) => {
    await prisma.$executeRaw`UPDATE "Instance" SET "quarantineKey" = NULL, "updatedAt" = now() WHERE "id" = ANY(${ids}::uuid[])`;
  });
  // Claims of jobs that start together: one UPDATE … RETURNING for all of them. A FAILED row whose
  // SOP Instance UID another live row holds (uploaded again since) stays FAILED: claiming it would
  // break the live-SOP index (and, with it, the whole batch's statement).
  const claims = new DynamicBatcher<string, WorkInstance | null>({
    maxBatchSize: 256,
    maxQueueDelayMs: 0,
    run: async (ids) => {
      const rows = await prisma.$queryRaw<WorkInstance[]>`
        UPDATE "Instance" SET "status" = 'DEIDENTIFYING', "errorCode" = NULL, "updatedAt" = now()
        WHERE "id" = ANY(${ids}::uuid[]) AND "status" IN ('RECEIVED', 'DEIDENTIFYING', 'FAILED')
          AND NOT ("status" = 'FAILED' AND EXISTS (
            SELECT 1 FROM "Instance" AS o
            WHERE o."projectId" = "Instance"."projectId" AND o."sopInstanceUid" = "Instance"."sopInstanceUid" AND o."id" <> "Instance"."id"
              AND o."status" IN ('RECEIVED', 'DEIDENTIFYING', 'READY')))
        RETURNING "id"::text AS "id", "orgId"::text AS "orgId", "projectId"::text AS "projectId", "status"::text AS "status",
                  "quarantineKey", "sopInstanceUid", "burnedInApprovedBy"`;
      const byId = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => byId.get(id) ?? null);
    },
  });
  return {
    async find(instanceId) {
      return prisma.instance.findUnique({
        where: { id: instanceId },
        select: { id: true, orgId: true, projectId: true, status: true, quarantineKey: true, sopInstanceUid: true, burnedInApprovedBy: true },
      });
    },
    claim: (instanceId) => claims.submit(instanceId),
    holdSop: (instanceId, sopInstanceUid) => holdSop(prisma, instanceId, sopInstanceUid),
    markReady: (inst, result, requestId) => unwrap(ready.submit({ inst, result, requestId })),
    async markRejected(inst, code, requestId) {
      await prisma.$transaction(async (tx) => {
        // Only the run that holds the row decides: a second run of the same job (a queue that lost
        // its jobs and had them re-enqueued while the first still ran) must not turn READY into
        // REJECTED DUPLICATE_SOP_INSTANCE because the first run holds the SOP Instance UID.
        const { count } = await tx.instance.updateMany({ where: { id: inst.id, status: 'DEIDENTIFYING' }, data: { status: 'REJECTED', errorCode: code } });
        if (count === 1) await audit(tx, [{ orgId: inst.orgId, action: 'instance.rejected', resourceId: inst.id, requestId, details: { code } }]);
      });
    },
    async markFailed(instanceId, code) {
      await prisma.instance.updateMany({ where: { id: instanceId, status: { not: 'READY' } }, data: { status: 'FAILED', errorCode: code } });
    },
    async endRetry(instanceId) {
      await prisma.instance.updateMany({ where: { id: instanceId, status: 'FAILED', errorCode: DEID_RETRYING }, data: { errorCode: DEID_FAILED } });
    },
    clearQuarantine,
  };
}
