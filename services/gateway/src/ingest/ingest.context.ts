// What every ingest/retrieval route needs: the adapters (503 when the gateway was built without
// them), the caller's target project, and the public URLs of de-identified objects.
import { projectInScope } from '@medgrade/db';
import { ForbiddenError, NotFoundError, ServiceUnavailableError } from '@medgrade/contracts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IntakeDeps } from './instance.intake.ts';

/** Intake adapters or a 503 saying what is missing. */
export function intakeDeps(app: FastifyInstance, onBytesIn?: (n: number) => void): IntakeDeps {
  const { store, jobs, prisma, config } = app.deps;
  if (!store || !jobs) throw new ServiceUnavailableError('Uploads are unavailable: the object store or job queue is not configured');
  return { prisma, intake: app.repos.intake, store, jobs, projectSecretKey: config.secrets.projectSecretKeyBytes, maxInflatedBytes: config.ingest.maxInflatedBytes, onBytesIn };
}

/** The project an upload goes to: the key's own, or `projectId` within the key's organization. */
export async function uploadProject(app: FastifyInstance, request: FastifyRequest, projectId: string | undefined): Promise<string> {
  const { auth } = request;
  const wanted = projectId ?? auth.projectId;
  if (!wanted) throw new ForbiddenError('Name the target project: add ?projectId=<uuid> or use a key scoped to one project');
  if (!projectInScope(auth, wanted)) throw new NotFoundError('Project');
  if (!(await app.repos.projects.exists(auth, wanted))) throw new NotFoundError('Project');
  return wanted;
}

/** Absolute WADO-RS URLs under the configured public URL. */
export function wadoUrl(app: FastifyInstance, study: string, series?: string, sop?: string): string {
  const base = app.deps.config.gateway.publicUrl.replace(/\/$/, '');
  let url = `${base}/dicomweb/studies/${study}`;
  if (series) url += `/series/${series}`;
  if (series && sop) url += `/instances/${sop}`;
  return url;
}
