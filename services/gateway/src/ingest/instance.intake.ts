// Accepts one uploaded instance: validate, dedupe, raw bytes to quarantine, row, job — in that
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

/** Validates and stores one instance, then enqueues its de-identification. */
export async function acceptInstance(deps: IntakeDeps, target: IntakeTarget, project: IntakeProject, bytes: Buffer): Promise<IntakeResult> {
  deps.onBytesIn?.(bytes.length);
  const check = checkPart10(bytes);
  const inputSha256 = createHash('sha256').update(bytes).digest('hex');
  if (!check.ok) {
    // A row even for refused files, so the upload's status lists every file with its reason.
    const row = await deps.prisma.instance.create({
      data: { orgId: target.orgId, projectId: target.projectId, uploadId: target.uploadId, status: 'REJECTED', errorCode: check.code, inputSha256 },
      select: { id: true },
    });
    return { ...check, instanceId: row.id };
  }
  const map = (uid: string) => (project.retainUids ? uid : mapUid(project.secret, uid));
  const deid = { study: map(check.studyInstanceUid), series: map(check.seriesInstanceUid), sop: map(check.sopInstanceUid) };
  const existing = await deps.prisma.instance.findFirst({
    where: { projectId: target.projectId, inputSha256, status: { not: 'FAILED' } },
    select: { id: true, status: true },
  });
  // Re-uploading the same bytes is a no-op that reports the existing instance.
  if (existing) {
    return { ok: true, instanceId: existing.id, status: existing.status, duplicate: true, sopClassUid: check.sopClassUid, deid };
  }
  const instanceId = randomUUID();
  const key = quarantineKey(target.orgId, target.projectId, instanceId);
  await deps.store.put(key, bytes, { contentType: 'application/dicom' });
  await deps.prisma.instance.create({
    data: { id: instanceId, orgId: target.orgId, projectId: target.projectId, uploadId: target.uploadId, quarantineKey: key, inputSha256, sopClassUid: check.sopClassUid },
  });
  await deps.jobs.enqueue('InstanceDeidentify', { requestId: target.requestId, instanceId });
  return { ok: true, instanceId, status: 'RECEIVED', duplicate: false, sopClassUid: check.sopClassUid, deid };
}
