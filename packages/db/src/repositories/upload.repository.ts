// Uploads and what their POST reported per file. Every read takes the caller's tenant scope and
// ANDs it (withinTenant), so an upload of another project or organization is simply not found.
import type { InstanceStatus, PrismaClient } from '../generated/prisma/client.ts';
import { withinTenant, type TenantScope } from '../tenant.scope.ts';

/** What the POST said about one file, in request order. */
export interface UploadItemInput {
  instanceId: string | null;
  duplicate: 'SAME_BYTES' | 'SAME_SOP_INSTANCE' | null;
  errorCode: string | null;
  message: string | null;
}

/** One file of an upload as it stands now: the POST's report with the instance's current status. */
export interface UploadEntry {
  id: string | null;
  status: InstanceStatus;
  errorCode: string | null;
  message: string | null;
  duplicate: 'SAME_BYTES' | 'SAME_SOP_INSTANCE' | null;
  studyInstanceUid: string | null;
  seriesInstanceUid: string | null;
  sopInstanceUid: string | null;
}

export interface UploadStatus {
  upload: { id: string; projectId: string; createdAt: Date };
  entries: UploadEntry[];
}

/** Rows per statement: well under Postgres' 65,535 bind parameters. */
const CHUNK = 5000;
const INSTANCE_SELECT = { id: true, status: true, errorCode: true, studyInstanceUid: true, seriesInstanceUid: true, sopInstanceUid: true } as const;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

/** Uploads (POST /v1/uploads, STOW-RS) and their per-file report. */
export class UploadRepository {
  readonly #prisma: PrismaClient;

  constructor(prisma: PrismaClient) {
    this.#prisma = prisma;
  }

  /** A new upload into `scope.projectId` by key `createdBy`. */
  async create(scope: { orgId: string; projectId: string }, createdBy: string | null): Promise<string> {
    const row = await this.#prisma.upload.create({ data: { orgId: scope.orgId, projectId: scope.projectId, createdBy }, select: { id: true } });
    return row.id;
  }

  /** Records the POST's report (one item per stored file, in order) and the file count. */
  async finish(uploadId: string, items: readonly UploadItemInput[]): Promise<void> {
    await this.#prisma.$transaction(async (tx) => {
      await tx.upload.update({ where: { id: uploadId }, data: { instanceCount: items.length } });
      let position = 0;
      for (const part of chunks(items)) await tx.uploadItem.createMany({ data: part.map((item) => ({ uploadId, position: position++, ...item })) });
    }, { timeout: 60_000 });
  }

  /** The upload within the scope and its files in POST order, or null. Uploads recorded before items existed list their own rows. */
  async status(scope: TenantScope, id: string): Promise<UploadStatus | null> {
    const upload = await this.#prisma.upload.findFirst({ where: withinTenant(scope, { id }), select: { id: true, projectId: true, createdAt: true } });
    if (!upload) return null;
    const items = await this.#prisma.uploadItem.findMany({ where: { uploadId: id }, orderBy: { position: 'asc' } });
    if (items.length === 0) {
      const rows = await this.#prisma.instance.findMany({ where: withinTenant(scope, { uploadId: id }), orderBy: { createdAt: 'asc' }, select: INSTANCE_SELECT });
      return { upload, entries: rows.map((r) => ({ ...r, message: null, duplicate: null })) };
    }
    const ids = [...new Set(items.flatMap((i) => (i.instanceId ? [i.instanceId] : [])))];
    const rows = new Map<string, { id: string; status: InstanceStatus; errorCode: string | null; studyInstanceUid: string | null; seriesInstanceUid: string | null; sopInstanceUid: string | null }>();
    for (const part of chunks(ids)) {
      for (const r of await this.#prisma.instance.findMany({ where: withinTenant(scope, { id: { in: part } }), select: INSTANCE_SELECT })) rows.set(r.id, r);
    }
    // An instance erased since (DELETE /v1/studies/{id}) is no longer listed.
    const entries = items.flatMap((item): UploadEntry[] => {
      const duplicate = item.duplicate as UploadEntry['duplicate'];
      if (!item.instanceId) return [{ id: null, status: 'REJECTED', errorCode: item.errorCode, message: item.message, duplicate, studyInstanceUid: null, seriesInstanceUid: null, sopInstanceUid: null }];
      const row = rows.get(item.instanceId);
      return row ? [{ ...row, errorCode: row.errorCode ?? item.errorCode, message: item.message, duplicate }] : [];
    });
    return { upload, entries };
  }
}
