// `medgrade reindex`: brings the study index back in line with the stored de-identified objects.
// Migrations that add an indexed attribute leave earlier rows NULL in it, and a row's sha256 or
// byteSize can disagree with its object (duplicates resolved by ..._instance_live_sop). The walk
// goes over READY instances by id (keyset, bounded batches, a few objects in memory at a time),
// re-reads each object with the worker's own reader (summarizeInstance) and commits one
// transaction per batch: the instance's columns are refreshed, NULL study/series columns filled
// (first instance wins: a non-null value is never replaced), and one audit event per organization
// with counts. Only rows that differ are written, so a second run changes nothing, and a stopped
// run resumes from its last printed id (or simply from the start). A dry run executes the same
// statements and rolls them back, so its counts are exactly what a run would change.
import { createHash } from 'node:crypto';
import { AuditLog, type AuditInput } from '@medgrade/audit';
import { Prisma, type PrismaClient } from '@medgrade/db';
import { DicomError, parseDicom, summarizeInstance, type InstanceSummary } from '@medgrade/dicom';
import { ObjectNotFoundError, getBuffer, type ObjectStore } from '@medgrade/storage';
import {
  INSTANCE_COLUMNS, SERIES_COLUMNS, STUDY_COLUMNS, applyUpdate, instanceValues, seriesValues, studyValues, type TableUpdate,
} from './reindex.rows.ts';

/** The audit actor of every reindex event. */
export const REINDEX_ACTOR = 'system:reindex';
const FIRST_ID = '00000000-0000-0000-0000-000000000000';
/** Objects read at once (each is held whole while it is hashed and parsed). */
const READ_CONCURRENCY = 4;

export interface ReindexOptions {
  orgId?: string;
  projectId?: string;
  /** Instances per batch (one transaction each). */
  batchSize: number;
  dryRun: boolean;
  /** Resume after this instance id. */
  after?: string;
}

/** An instance left unchanged: its id and a stable code, never a DICOM value. */
export interface ReindexFailure {
  instanceId: string;
  code: string;
}

/** Rows changed (or, in a dry run, that would change). */
export interface ReindexCounts {
  instances: number;
  series: number;
  studies: number;
  failed: number;
}

export interface ReindexSummary extends ReindexCounts {
  dryRun: boolean;
  scanned: number;
  /** The last instance id walked: `--after` resumes from it. */
  lastId: string | null;
}

export interface ReindexReport {
  onFailure?(failure: ReindexFailure): void;
  onBatch?(progress: ReindexCounts & { scanned: number; lastId: string }): void;
}

interface ScanRow {
  id: string;
  orgId: string;
  objectKey: string | null;
  createdAt: Date;
  sopInstanceUid: string | null;
  studyInstanceUid: string | null;
  seriesInstanceUid: string | null;
  seriesId: string | null;
  studyId: string | null;
}

type Read = { row: ScanRow; ok: true; summary: InstanceSummary; sha256: string; byteSize: number } | { row: ScanRow; ok: false; code: string };

async function scan(prisma: PrismaClient, o: ReindexOptions, after: string): Promise<ScanRow[]> {
  const org = o.orgId ? Prisma.sql`AND i."orgId" = ${o.orgId}::uuid` : Prisma.empty;
  const project = o.projectId ? Prisma.sql`AND i."projectId" = ${o.projectId}::uuid` : Prisma.empty;
  return prisma.$queryRaw<ScanRow[]>`
    SELECT i."id"::text AS "id", i."orgId"::text AS "orgId", i."objectKey", i."createdAt", i."sopInstanceUid",
           i."studyInstanceUid", i."seriesInstanceUid", i."seriesId"::text AS "seriesId", se."studyId"::text AS "studyId"
    FROM "Instance" i LEFT JOIN "Series" se ON se."id" = i."seriesId"
    WHERE i."status" = 'READY' AND i."id" > ${after}::uuid ${org} ${project}
    ORDER BY i."id" LIMIT ${o.batchSize}`;
}

/** The UIDs the row holds must be the object's: they key its object and its series. */
function uidMismatch(row: ScanRow, s: InstanceSummary): boolean {
  const differs = (held: string | null, read: string) => held !== null && held !== read;
  return differs(row.sopInstanceUid, s.sopInstanceUid) || differs(row.studyInstanceUid, s.studyInstanceUid) || differs(row.seriesInstanceUid, s.seriesInstanceUid);
}

// Missing and unreadable objects are facts about the data: reported, row left as it is. Anything
// else (store or network faults) throws and stops the run; a rerun resumes.
async function readOne(store: ObjectStore, row: ScanRow): Promise<Read> {
  if (!row.objectKey) return { row, ok: false, code: 'OBJECT_KEY_MISSING' };
  let bytes: Buffer;
  try {
    bytes = await getBuffer(store, row.objectKey);
  } catch (error) {
    if (error instanceof ObjectNotFoundError) return { row, ok: false, code: 'OBJECT_NOT_FOUND' };
    throw error;
  }
  let summary: InstanceSummary;
  try {
    summary = summarizeInstance(parseDicom(bytes));
  } catch (error) {
    return { row, ok: false, code: error instanceof DicomError ? `DICOM_${error.code}` : 'NOT_INDEXABLE' };
  }
  if (uidMismatch(row, summary)) return { row, ok: false, code: 'UID_MISMATCH' };
  return { row, ok: true, summary, sha256: createHash('sha256').update(bytes).digest('hex'), byteSize: bytes.length };
}

async function readAllBounded(store: ObjectStore, rows: ScanRow[]): Promise<Read[]> {
  const out: Read[] = new Array(rows.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let i = next++; i < rows.length; i = next++) out[i] = await readOne(store, rows[i]!);
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, rows.length) }, lane));
  return out;
}

type Ok = Extract<Read, { ok: true }>;

/** One row per study or series: its earliest-created instance of the batch, as the worker's first commit. */
function firstPer(reads: Ok[], key: (r: Ok) => string | null): Ok[] {
  const sorted = [...reads].sort((a, b) => a.row.createdAt.getTime() - b.row.createdAt.getTime() || (a.row.id < b.row.id ? -1 : 1));
  const first = new Map<string, Ok>();
  for (const r of sorted) {
    const k = key(r);
    if (k !== null && !first.has(k)) first.set(k, r);
  }
  return [...first.values()];
}

function updates(reads: Ok[]): TableUpdate[] {
  return [
    {
      table: 'Instance', columns: INSTANCE_COLUMNS, mode: 'refresh',
      rows: reads.map((r) => ({ id: r.row.id, objectKey: r.row.objectKey, ...instanceValues(r.summary, r.sha256, r.byteSize) })),
      guard: { columns: [{ name: 'objectKey', type: 'text' }], sql: `t."status" = 'READY' AND t."objectKey" = x."objectKey"` },
    },
    { table: 'Series', columns: SERIES_COLUMNS, mode: 'fill', rows: firstPer(reads, (r) => r.row.seriesId).map((r) => ({ id: r.row.seriesId!, ...seriesValues(r.summary) })) },
    { table: 'Study', columns: STUDY_COLUMNS, mode: 'fill', rows: firstPer(reads, (r) => r.row.studyId).map((r) => ({ id: r.row.studyId!, ...studyValues(r.summary) })) },
  ];
}

type OrgCounts = Map<string, ReindexCounts>;

function tally(byOrg: OrgCounts, orgId: string, field: keyof ReindexCounts): void {
  const c = byOrg.get(orgId) ?? { instances: 0, series: 0, studies: 0, failed: 0 };
  c[field] += 1;
  byOrg.set(orgId, c);
}

/** Thrown inside a dry run's transaction to roll it back with its counts. */
class DryRunRollback extends Error {
  readonly counts: OrgCounts;
  constructor(counts: OrgCounts) {
    super('dry run');
    this.counts = counts;
  }
}

/**
 * A dry run's rolled-back batches leave a study or series that spans batches NULL for the next
 * one, so it remembers the ids it counted (those that would change only) to count each row once.
 */
type DryRunSeen = { series: Set<string>; studies: Set<string> };

function tallyOnce(byOrg: OrgCounts, rows: { id: string; orgId: string }[], field: 'series' | 'studies', seen?: DryRunSeen): void {
  for (const row of rows) {
    if (seen?.[field].has(row.id)) continue;
    seen?.[field].add(row.id);
    tally(byOrg, row.orgId, field);
  }
}

async function writeBatch(prisma: PrismaClient, audit: AuditLog, reads: Read[], seen: DryRunSeen | undefined): Promise<OrgCounts> {
  const byOrg: OrgCounts = new Map();
  for (const r of reads) if (!r.ok) tally(byOrg, r.row.orgId, 'failed');
  const [inst, series, study] = updates(reads.filter((r): r is Ok => r.ok));
  try {
    return await prisma.$transaction(async (tx) => {
      for (const row of await applyUpdate(tx, inst!)) tally(byOrg, row.orgId, 'instances');
      // Series before study: the worker's READY commit locks them in that order too.
      tallyOnce(byOrg, await applyUpdate(tx, series!), 'series', seen);
      tallyOnce(byOrg, await applyUpdate(tx, study!), 'studies', seen);
      if (seen) throw new DryRunRollback(byOrg);
      const events: AuditInput[] = [...byOrg].map(([orgId, counts]) => ({
        orgId, actor: REINDEX_ACTOR, action: 'index.reindex', resourceType: 'organization', resourceId: orgId,
        details: { ...counts, firstInstanceId: reads[0]!.row.id, lastInstanceId: reads.at(-1)!.row.id },
      }));
      await audit.appendMany(events, tx);
      return byOrg;
    }, { timeout: 60_000 });
  } catch (error) {
    if (error instanceof DryRunRollback) return error.counts;
    throw error;
  }
}

/** Walks READY instances and refreshes their index rows from their objects (see the file comment). */
export async function reindex(deps: { prisma: PrismaClient; store: ObjectStore; auditAnchorKey: Buffer }, options: ReindexOptions, report: ReindexReport = {}): Promise<ReindexSummary> {
  const audit = new AuditLog(deps.prisma, { anchorKey: deps.auditAnchorKey });
  const total: ReindexSummary = { dryRun: options.dryRun, scanned: 0, instances: 0, series: 0, studies: 0, failed: 0, lastId: options.after ?? null };
  const seen: DryRunSeen | undefined = options.dryRun ? { series: new Set(), studies: new Set() } : undefined;
  for (;;) {
    const rows = await scan(deps.prisma, options, total.lastId ?? FIRST_ID);
    if (rows.length === 0) return total;
    const reads = await readAllBounded(deps.store, rows);
    for (const r of reads) if (!r.ok) report.onFailure?.({ instanceId: r.row.id, code: r.code });
    const counts = await writeBatch(deps.prisma, audit, reads, seen);
    for (const c of counts.values()) for (const k of ['instances', 'series', 'studies', 'failed'] as const) total[k] += c[k];
    total.scanned += rows.length;
    total.lastId = rows.at(-1)!.id;
    report.onBatch?.({ scanned: total.scanned, instances: total.instances, series: total.series, studies: total.studies, failed: total.failed, lastId: total.lastId });
  }
}
