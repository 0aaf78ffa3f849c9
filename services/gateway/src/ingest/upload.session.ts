// One upload request (STOW-RS or /v1/uploads): an Upload row, the project settings loaded once,
// and the results of every file in request order.
import type { UploadItemInput } from '@medgrade/db';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { acceptInstances, loadIntakeProject, type IntakeDeps, type IntakeProject, type IntakeResult } from './instance.intake.ts';
import { intakeDeps } from './ingest.context.ts';
import { ingestMetrics } from './ingest.metrics.ts';

/** A batch goes to intake at this many files or bytes, whichever comes first. */
const BATCH_FILES = 32;
const BATCH_BYTES = 32 * 1024 * 1024;
/** Batches being stored while the next one is read (memory: about this many batches). */
const BATCHES_IN_FLIGHT = 2;

/** Placeholder of a submitted file until its batch is stored (a failed batch leaves it). */
const NOT_STORED: IntakeResult = { ok: false, code: 'MALFORMED', message: 'not stored: the upload failed before this file' };

/** What the POST reports of a file, kept for GET /v1/uploads/{id} (never its name). */
function itemOf(result: IntakeResult): UploadItemInput {
  if (result.ok) return { instanceId: result.instanceId, duplicate: result.duplicate || null, errorCode: null, message: null };
  return { instanceId: result.instanceId ?? null, duplicate: null, errorCode: result.code, message: result.message };
}

/** Accepts files into one Upload. */
export interface UploadSession {
  /**
   * The Upload row's id, undefined until the first file arrives: a request refused before any
   * file (bad boundary, empty form) leaves no upload record behind.
   */
  readonly uploadId: string | undefined;
  /** One entry per file in request order (complete once finish() resolved). */
  results: (IntakeResult & { fileName?: string })[];
  /**
   * Adds a file to the current batch, handing full batches to intake, and returns once fewer than
   * BATCHES_IN_FLIGHT are being stored: reading the next files overlaps the store and database
   * round trips of the previous batch, and intake costs a few round trips per batch, not per file.
   */
  submit(bytes: Buffer, fileName?: string): Promise<void>;
  /** Waits for submitted files, records the instance count and the audit event; call once. */
  finish(): Promise<void>;
}

/** Opens an upload into projectId for the calling key. */
export async function openUploadSession(app: FastifyInstance, request: FastifyRequest, projectId: string): Promise<UploadSession> {
  const metrics = ingestMetrics(app);
  const deps: IntakeDeps = intakeDeps(app, metrics.bytesIn);
  const project: IntakeProject = await loadIntakeProject(deps, projectId);
  let uploadId: string | undefined;
  const recordUpload = async (): Promise<string> => (uploadId ??= await app.repos.uploads.create({ orgId: request.auth.orgId, projectId }, request.auth.keyId));
  const target = { orgId: request.auth.orgId, projectId, uploadId: '', requestId: request.id };
  const results: UploadSession['results'] = [];
  const pending = new Set<Promise<unknown>>();
  let batch: { bytes: Buffer; slot: number; fileName?: string }[] = [];
  let batchBytes = 0;
  let failure: unknown;
  const store = async (files: typeof batch): Promise<void> => {
    const accepted = await acceptInstances(deps, target, project, files.map((f) => f.bytes));
    accepted.forEach((result, i) => {
      const file = files[i]!;
      metrics.intake(!result.ok ? 'refused' : result.duplicate ? 'duplicate' : 'accepted');
      results[file.slot] = { ...result, fileName: file.fileName };
    });
  };
  const flush = (): void => {
    if (batch.length === 0) return;
    const files = batch;
    batch = [];
    batchBytes = 0;
    const task: Promise<unknown> = store(files).catch((error: unknown) => (failure ??= error)).finally(() => pending.delete(task));
    pending.add(task);
  };
  return {
    get uploadId() {
      return uploadId;
    },
    results,
    async submit(bytes, fileName) {
      if (failure) throw failure;
      target.uploadId = await recordUpload();
      // The slot keeps request order while batches complete; finish() fills every slot.
      batch.push({ bytes, fileName, slot: results.push(NOT_STORED) - 1 });
      batchBytes += bytes.length;
      if (batch.length >= BATCH_FILES || batchBytes >= BATCH_BYTES) flush();
      while (pending.size >= BATCHES_IN_FLIGHT) await Promise.race(pending);
      if (failure) throw failure;
    },
    async finish() {
      if (!failure) flush();
      await Promise.all(pending);
      if (results.length === 0 && !failure) return;
      const id = await recordUpload();
      const stored = results.filter((r) => r !== NOT_STORED);
      await app.repos.uploads.finish(id, stored.map(itemOf));
      const accepted = stored.filter((r) => r.ok).length;
      if (failure) throw failure;
      await request.audit({ action: 'upload.create', projectId, resourceType: 'upload', resourceId: id, details: { projectId, files: stored.length, accepted } });
    },
  };
}
