// One upload request (STOW-RS or /v1/uploads): an Upload row, the project settings loaded once,
// and the results of every file in request order.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { acceptInstance, loadIntakeProject, type IntakeDeps, type IntakeProject, type IntakeResult } from './instance.intake.ts';
import { intakeDeps } from './ingest.context.ts';
import { ingestMetrics } from './ingest.metrics.ts';

const IN_FLIGHT = 4;

/** Accepts files into one Upload. */
export interface UploadSession {
  uploadId: string;
  results: (IntakeResult & { fileName?: string })[];
  accept(bytes: Buffer, fileName?: string): Promise<IntakeResult>;
  /**
   * Starts accepting a file and returns once fewer than IN_FLIGHT are pending, so reading the next
   * file overlaps the store and database round trips of the previous ones (memory: IN_FLIGHT files).
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
  const upload = await deps.prisma.upload.create({
    data: { orgId: request.auth.orgId, projectId, createdBy: request.auth.keyId },
    select: { id: true },
  });
  const target = { orgId: request.auth.orgId, projectId, uploadId: upload.id, requestId: request.id };
  const results: UploadSession['results'] = [];
  const pending = new Set<Promise<unknown>>();
  let failure: unknown;
  const accept = async (bytes: Buffer, fileName?: string): Promise<IntakeResult> => {
    const result = await acceptInstance(deps, target, project, bytes);
    metrics.intake(!result.ok ? 'refused' : result.duplicate ? 'duplicate' : 'accepted');
    results.push({ ...result, fileName });
    return result;
  };
  return {
    uploadId: upload.id,
    results,
    accept,
    async submit(bytes, fileName) {
      if (failure) throw failure;
      const task: Promise<unknown> = accept(bytes, fileName).catch((error: unknown) => (failure ??= error)).finally(() => pending.delete(task));
      pending.add(task);
      while (pending.size >= IN_FLIGHT) await Promise.race(pending);
      if (failure) throw failure;
    },
    async finish() {
      await Promise.all(pending);
      await deps.prisma.upload.update({ where: { id: upload.id }, data: { instanceCount: results.length } });
      const accepted = results.filter((r) => r.ok).length;
      if (failure) throw failure;
      await request.audit({ action: 'upload.create', resourceType: 'upload', resourceId: upload.id, details: { projectId, files: results.length, accepted } });
    },
  };
}
