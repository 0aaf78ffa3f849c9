// Accepts uploaded instances: validate, dedupe, raw bytes to quarantine, rows, jobs — in that
// order, so a row always has its object and a job always has its row. Shared by STOW-RS and
// /v1/uploads. Nothing here logs or returns a DICOM value except UIDs the caller sent.
import { createHash, randomUUID } from 'node:crypto';
import type { JOB_CATALOG } from '@medgrade/contracts';
import { decryptProjectSecret, type PrismaClient } from '@medgrade/db';
import { mapUid } from '@medgrade/deid';
import type { JobProducer } from '@medgrade/queue';
import type { ObjectStore } from '@medgrade/storage';
import { checkPart10, type Part10Refused } from './part10.check.ts';

/** Adapters the intake needs. */
export interface IntakeDeps {
  prisma: PrismaClient;
  store: ObjectStore;
  jobs: JobProducer<typeof JOB_CATALOG>;
  /** Decrypts project secrets (to report the de-identified SOP Instance UID up front). */
  projectSecretKey: Buffer;
  onBytesIn?(bytes: number): void;
}

/** Where an upload goes and who sent it. */
export interface IntakeTarget {
  orgId: string;
  projectId: string;
  uploadId: string;
  requestId: string;
}

/** The project facts intake needs, loaded once per request. */
export interface IntakeProject {
  retainUids: boolean;
  secret: Buffer;
}

/** The UIDs the instance will have once de-identified (deterministic per project). */
export interface DeidUids {
  study: string;
  series: string;
  sop: string;
}

/** Accepted (new or already known) or refused. */
export type IntakeResult =
  | { ok: true; instanceId: string; status: string; duplicate: boolean; sopClassUid: string; deid: DeidUids }
  | (Part10Refused & { instanceId?: string });

/** Loads what intake needs about a project (the secret stays in memory for this request only). */
export async function loadIntakeProject(deps: IntakeDeps, projectId: string): Promise<IntakeProject> {
  const p = await deps.prisma.project.findUniqueOrThrow({ where: { id: projectId }, select: { deidOptions: true, secretCiphertext: true } });
  const options = (p.deidOptions ?? {}) as { retainUIDs?: unknown };
  return { retainUids: options.retainUIDs === true, secret: decryptProjectSecret(deps.projectSecretKey, p.secretCiphertext) };
}

/** Object key of a raw upload; never served, deleted once de-identified. */
export function quarantineKey(orgId: string, projectId: string, instanceId: string): string {
  return `quarantine/${orgId}/${projectId}/${instanceId}.dcm`;
}

interface InstanceRow {
  id: string;
  orgId: string;
  projectId: string;
  uploadId: string;
  inputSha256: string;
  status?: 'REJECTED';
  errorCode?: string;
  quarantineKey?: string;
  sopClassUid?: string;
}

/**
 * One INSERT for the batch's rows, read from a jsonb parameter: Prisma's createMany costs about
 * 0.6 ms of CPU per row here (32 rows: 20 ms against 1.5 ms for this statement).
 */
async function insertInstances(prisma: PrismaClient, rows: InstanceRow[]): Promise<void> {
  await prisma.$executeRaw`
    INSERT INTO "Instance" ("id", "orgId", "projectId", "uploadId", "status", "errorCode", "quarantineKey", "inputSha256", "sopClassUid", "updatedAt")
    SELECT x."id", x."orgId", x."projectId", x."uploadId", COALESCE(x."status", 'RECEIVED')::"InstanceStatus", x."errorCode",
           x."quarantineKey", x."inputSha256", x."sopClassUid", now()
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS x("id" uuid, "orgId" uuid, "projectId" uuid, "uploadId" uuid, "status" text,
                                                                 "errorCode" text, "quarantineKey" text, "inputSha256" text, "sopClassUid" text)`;
}

interface Checked {
  bytes: Buffer;
  inputSha256: string;
  check: ReturnType<typeof checkPart10>;
}

/**
 * Validates and stores a batch of instances, then enqueues their de-identification; results in
 * input order. A fixed number of round trips whatever the batch size: one dedupe query, the
 * quarantine writes in parallel, one INSERT of the rows, one enqueue of the jobs, in that order
 * (an object before its row, a row before its job; the deid-worker's reconciler repairs a crash
 * between two steps). Identical bytes, already stored or earlier in the batch, are one instance.
 */
export async function acceptInstances(deps: IntakeDeps, target: IntakeTarget, project: IntakeProject, files: readonly Buffer[]): Promise<IntakeResult[]> {
  const checked: Checked[] = files.map((bytes) => {
    deps.onBytesIn?.(bytes.length);
    return { bytes, check: checkPart10(bytes), inputSha256: createHash('sha256').update(bytes).digest('hex') };
  });
  const hashes = [...new Set(checked.filter((c) => c.check.ok).map((c) => c.inputSha256))];
  const existing = hashes.length === 0 ? [] : await deps.prisma.instance.findMany({
    where: { projectId: target.projectId, inputSha256: { in: hashes }, status: { not: 'FAILED' } },
    select: { id: true, status: true, inputSha256: true },
  });
  const known = new Map<string, { id: string; status: string }>(existing.map((e) => [e.inputSha256, e]));
  const map = (uid: string) => (project.retainUids ? uid : mapUid(project.secret, uid));
  const rows: InstanceRow[] = [];
  const fresh: { key: string; bytes: Buffer; instanceId: string }[] = [];
  const results = checked.map(({ bytes, check, inputSha256 }): IntakeResult => {
    const base = { orgId: target.orgId, projectId: target.projectId, uploadId: target.uploadId, inputSha256 };
    if (!check.ok) {
      // A row even for refused files, so the upload's status lists every file with its reason.
      const instanceId = randomUUID();
      rows.push({ ...base, id: instanceId, status: 'REJECTED', errorCode: check.code });
      return { ...check, instanceId };
    }
    const deid = { study: map(check.studyInstanceUid), series: map(check.seriesInstanceUid), sop: map(check.sopInstanceUid) };
    // Re-uploading the same bytes is a no-op that reports the existing instance.
    const same = known.get(inputSha256);
    if (same) return { ok: true, instanceId: same.id, status: same.status, duplicate: true, sopClassUid: check.sopClassUid, deid };
    const instanceId = randomUUID();
    const key = quarantineKey(target.orgId, target.projectId, instanceId);
    known.set(inputSha256, { id: instanceId, status: 'RECEIVED' });
    fresh.push({ key, bytes, instanceId });
    rows.push({ ...base, id: instanceId, quarantineKey: key, sopClassUid: check.sopClassUid });
    return { ok: true, instanceId, status: 'RECEIVED', duplicate: false, sopClassUid: check.sopClassUid, deid };
  });
  await Promise.all(fresh.map((f) => deps.store.put(f.key, f.bytes, { contentType: 'application/dicom' })));
  if (rows.length > 0) await insertInstances(deps.prisma, rows);
  await deps.jobs.enqueueMany('InstanceDeidentify', fresh.map((f) => ({ requestId: target.requestId, instanceId: f.instanceId, rawBytes: f.bytes.length })));
  return results;
}
