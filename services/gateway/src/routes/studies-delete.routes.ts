// DELETE /v1/studies/{id}: erase a de-identified study (a correction, a withdrawal of consent), so
// that its SOP Instance UIDs can be uploaded again. Admin only, with a reason that is audited.
// Order, so that a retry always finishes the job: objects first (store.deleteMany: missing keys
// are fine), then one transaction removes the Instance rows (READY and the study's REJECTED/FAILED
// tries), the Series rows and the Study row and appends `study.deleted` (StudyRepository.erase).
// A failure between the two leaves rows whose objects are gone: WADO answers 404 for them
// (contracts' DOMAIN_ERRORS, wado.routes) and the same DELETE, sent again, completes. Inference
// rows keep their results: they reference instances only by id inside their request JSON (no
// foreign key) and hold model outputs, not DICOM values.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ConflictError, ErrorResponseSchema, IdParamsSchema, NotFoundError, ServiceUnavailableError, StudyDeleteBodySchema, StudyDeletedSchema } from '@medgrade/contracts';

// Deleting under an instance still being de-identified would let the worker index it into a study
// that no longer exists (or write an object nobody erases): the caller waits for ingestion instead.
const inFlight = (count: number) => new ConflictError(`${count} instance(s) of this study are still being ingested: retry the deletion once ingestion has finished`);

export const studyDeleteRoutes: FastifyPluginAsyncZod = async (app) => {
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
    const rows = await app.repos.studies.rows(target);
    if (rows.inFlight > 0) throw inFlight(rows.inFlight);
    await store.deleteMany(rows.keys);
    // Rows that appeared since the objects were erased may own objects this request never
    // deleted: refuse, and the retry erases those too.
    const deleted = await app.repos.studies.erase(target, new Set(rows.ids), (tx, counts) => request.audit({
      action: 'study.deleted', projectId: target.projectId, resourceType: 'study', resourceId: target.id,
      details: { projectId: target.projectId, deletedInstances: counts.instances, deletedSeries: counts.series, deletedObjects: rows.keys.length, reason: request.body.reason },
    }, tx));
    if (deleted.outcome === 'gone') throw new NotFoundError('Study');
    if (deleted.outcome === 'in-flight') throw inFlight(deleted.count);
    if (deleted.outcome === 'changed') throw new ConflictError('New instances of this study were stored while it was being erased: send the DELETE again');
    return { id: target.id, deletedInstances: deleted.instances, deletedSeries: deleted.series };
  });
};
