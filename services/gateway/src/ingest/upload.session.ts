// One upload request (STOW-RS or /v1/uploads): an Upload row, the project settings loaded once,
// and the results of every file in request order.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { acceptInstance, loadIntakeProject, type IntakeDeps, type IntakeProject, type IntakeResult } from './instance.intake.ts';
import { intakeDeps } from './ingest.context.ts';
import { ingestMetrics } from './ingest.metrics.ts';

/** Accepts files one at a time into one Upload. */
export interface UploadSession {
  uploadId: string;
  results: (IntakeResult & { fileName?: string })[];
  accept(bytes: Buffer, fileName?: string): Promise<IntakeResult>;
  /** Records the instance count and the audit event; call once, also after a partial failure. */
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
  return {
    uploadId: upload.id,
    results,
    async accept(bytes, fileName) {
      const result = await acceptInstance(deps, target, project, bytes);
      metrics.intake(!result.ok ? 'refused' : result.duplicate ? 'duplicate' : 'accepted');
      results.push({ ...result, fileName });
      return result;
    },
    async finish() {
      await deps.prisma.upload.update({ where: { id: upload.id }, data: { instanceCount: results.length } });
      const accepted = results.filter((r) => r.ok).length;
      await request.audit({ action: 'upload.create', resourceType: 'upload', resourceId: upload.id, details: { projectId, files: results.length, accepted } });
    },
  };
}
