// Finding the de-identified objects a WADO-RS request names, scoped to the caller's tenant:
// READY instances only, one object per SOP Instance UID; 404 names the level, never the UID.
// Within a project the live-SOP index (Instance_live_sop_key) already allows one READY row per
// UID; an organization-wide key can still see one UID in two projects that retain UIDs, and a
// retrieve then returns the one stored first rather than two objects under one identity.
import { NotFoundError, ServiceUnavailableError } from '@medgrade/contracts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ObjectStore } from '@medgrade/storage';
import { withinTenant } from '@medgrade/db';

/** Study, series and instance UIDs of a WADO-RS path (series and instance optional). */
export interface WadoParams {
  study: string;
  series?: string;
  sop?: string;
}

export interface Located {
  objectKey: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  sopInstanceUid: string;
}

/** The object store, or 503 when the gateway was built without one. */
export function storeOf(app: FastifyInstance): ObjectStore {
  if (!app.deps.store) throw new ServiceUnavailableError('Retrieval is unavailable: the object store is not configured');
  return app.deps.store;
}

/** READY instances under the path, ordered by series then instance; 404 when there are none. */
export async function locate(app: FastifyInstance, request: FastifyRequest, p: WadoParams): Promise<Located[]> {
  const rows = await app.deps.prisma.instance.findMany({
    where: withinTenant(request.auth, {
      status: 'READY' as const, studyInstanceUid: p.study,
      ...(p.series ? { seriesInstanceUid: p.series } : {}), ...(p.sop ? { sopInstanceUid: p.sop } : {}),
    }),
    orderBy: [{ seriesInstanceUid: 'asc' }, { sopInstanceUid: 'asc' }, { createdAt: 'asc' }],
    distinct: ['sopInstanceUid'],
    select: { objectKey: true, studyInstanceUid: true, seriesInstanceUid: true, sopInstanceUid: true },
  });
  const found = rows.filter((r): r is Located => !!(r.objectKey && r.studyInstanceUid && r.seriesInstanceUid && r.sopInstanceUid));
  if (found.length === 0) throw new NotFoundError(p.sop ? 'Instance' : p.series ? 'Series' : 'Study');
  return found;
}

/** The resource id an audit event names: the most specific UID of the path. */
export function auditedUid(p: WadoParams): string {
  return p.sop ?? p.series ?? p.study;
}
