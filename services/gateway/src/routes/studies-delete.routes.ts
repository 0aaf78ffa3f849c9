// DELETE /v1/studies/{id}: erase a de-identified study (a correction, a withdrawal of consent), so
// that its SOP Instance UIDs can be uploaded again. Admin only, with a reason that is audited.
// Order, so that a retry always finishes the job: objects first (store.deleteMany: missing keys
// are fine), then one transaction removes the Instance rows (READY and the study's REJECTED/FAILED
// tries), the Series rows and the Study row and appends `study.deleted`. A failure between the two
// leaves rows whose objects are gone: WADO answers 404 for them (contracts' DOMAIN_ERRORS, wado.routes) and the
// same DELETE, sent again, completes. Inference rows keep their results: they reference instances
// only by id inside their request JSON (no foreign key) and hold model outputs, not DICOM values.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ConflictError, ErrorResponseSchema, IdParamsSchema, NotFoundError, ServiceUnavailableError, StudyDeleteBodySchema, StudyDeletedSchema } from '@medgrade/contracts';
import type { Prisma, PrismaClient } from '@medgrade/db';

type Db = PrismaClient | Prisma.TransactionClient;
interface Target {
  id: string;
  projectId: string;
  studyInstanceUid: string;
}

/** Instance rows of the study: by its de-identified UID in its project, or by one of its series. */
function studyInstances(t: Target): Prisma.InstanceWhereInput {
  return { projectId: t.projectId, OR: [{ studyInstanceUid: t.studyInstanceUid }, { series: { studyId: t.id } }] };
}

const IN_FLIGHT: ReadonlySet<string> = new Set(['RECEIVED', 'DEIDENTIFYING']);

// Deleting under an instance still being de-identified would let the worker index it into a study
// that no longer exists (or write an object nobody erases): the caller waits for ingestion instead.
// One read of the study's rows serves both that check and the object keys.
/** Ids and object keys (de-identified outputs, quarantined uploads) of the study's rows; 409 while one is in flight. */
async function settledRows(db: Db, t: Target): Promise<{ ids: string[]; keys: string[] }> {
  const rows = await db.instance.findMany({ where: studyInstances(t), select: { id: true, status: true, objectKey: true, quarantineKey: true } });
  const pending = rows.filter((r) => IN_FLIGHT.has(r.status)).length;
  if (pending > 0) throw new ConflictError(`${pending} instance(s) of this study are still being ingested: retry the deletion once ingestion has finished`);
  return { ids: rows.map((r) => r.id), keys: rows.flatMap((r) => [r.objectKey, r.quarantineKey].filter((k): k is string => !!k)) };
}

// The Study row is locked FOR UPDATE, which waits for a deid-worker commit holding it (its new
// series and instances take KEY SHARE locks on it) and makes a concurrent DELETE of the same study
// find nothing afterwards (404). Rows that appeared since the objects were erased may own objects
// this request never deleted: refuse, and the retry erases those too.
async function deleteRows(tx: Prisma.TransactionClient, t: Target, erased: Set<string>): Promise<{ instances: number; series: number }> {
  const locked = await tx.$queryRaw<{ id: string }[]>`SELECT "id"::text AS "id" FROM "Study" WHERE "id" = ${t.id}::uuid FOR UPDATE`;
  if (locked.length === 0) throw new NotFoundError('Study');
  const { ids } = await settledRows(tx, t);
  if (ids.some((id) => !erased.has(id))) throw new ConflictError('New instances of this study were stored while it was being erased: send the DELETE again');
  const instances = await tx.instance.deleteMany({ where: { id: { in: ids } } });
  const series = await tx.series.deleteMany({ where: { studyId: t.id } });
  await tx.study.delete({ where: { id: t.id } });
  return { instances: instances.count, series: series.count };
}

export const studyDeleteRoutes: FastifyPluginAsyncZod = async (app) => {
  const { prisma } = app.deps;

  app.delete('/v1/studies/:id', {
    config: { scopes: ['admin'] },
    schema: {
      tags: ['studies'],
      operationId: 'studies.delete',
      summary: 'Erase a de-identified study (admin; reason audited)',
      description: 'Removes the study\'s de-identified objects and quarantined uploads, then its instance, series and study rows, and records `study.deleted` with the reason. '
        + 'Its SOP Instance UIDs can then be uploaded again. 409 while an instance of the study is still being ingested. '
        + 'Idempotent: if the request fails part-way, send it again to finish; once done, the id answers 404.',
      params: IdParamsSchema, body: StudyDeleteBodySchema,
      response: { 200: StudyDeletedSchema, 409: ErrorResponseSchema },
    },
  }, async (request) => {
    const target = await app.repos.studies.ref(request.auth, request.params.id);
    if (!target) throw new NotFoundError('Study');
    const { store } = app.deps;
    if (!store) throw new ServiceUnavailableError('Deletion is unavailable: the object store is not configured');
    const { ids, keys } = await settledRows(prisma, target);
    await store.deleteMany(keys);
    const deleted = await prisma.$transaction(async (tx) => {
      const counts = await deleteRows(tx, target, new Set(ids));
      await request.audit({
        action: 'study.deleted', projectId: target.projectId, resourceType: 'study', resourceId: target.id,
        details: { projectId: target.projectId, deletedInstances: counts.instances, deletedSeries: counts.series, deletedObjects: keys.length, reason: request.body.reason },
      }, tx);
      return counts;
    }, { timeout: 30_000 });
    return { id: target.id, deletedInstances: deleted.instances, deletedSeries: deleted.series };
  });
};
