// Finding the de-identified objects a WADO-RS request names, scoped to the caller's tenant:
// READY instances only, one object per SOP Instance UID (InstanceRepository.readyObjects says
// which when two projects hold one UID); 404 names the level, never the UID.
import { NotFoundError, ServiceUnavailableError } from '@medgrade/contracts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ObjectStore } from '@medgrade/storage';
import type { InstanceLocation } from '@medgrade/db';

/** Study, series and instance UIDs of a WADO-RS path (series and instance optional). */
export interface WadoParams {
  study: string;
  series?: string;
  sop?: string;
}

export type Located = InstanceLocation;

/** The object store, or 503 when the gateway was built without one. */
export function storeOf(app: FastifyInstance): ObjectStore {
  if (!app.deps.store) throw new ServiceUnavailableError('Retrieval is unavailable: the object store is not configured');
  return app.deps.store;
}

/** READY instances under the path, ordered by series then instance; 404 when there are none. */
export async function locate(app: FastifyInstance, request: FastifyRequest, p: WadoParams): Promise<Located[]> {
  const found = await app.repos.instances.readyObjects(request.auth, p);
  if (found.length === 0) throw new NotFoundError(p.sop ? 'Instance' : p.series ? 'Series' : 'Study');
  return found;
}

/** The resource id an audit event names: the most specific UID of the path. */
export function auditedUid(p: WadoParams): string {
  return p.sop ?? p.series ?? p.study;
}
