// GET /v1/studies (filters, newest study date first, keyset cursor: study-list.query.ts) and GET /v1/studies/{id} (with series): the
// de-identified index as JSON. Every read is audited.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { IdParamsSchema, NotFoundError, StudyDetailSchema, StudyListQuerySchema, StudySchema, type StudyListQuery } from '@medgrade/contracts';
import type { Prisma, Series, Study } from '@medgrade/db';
import { decodeStudyCursor, readStudyPage } from './study-list.query.ts';

function toStudyDto(s: Study) {
  return {
    id: s.id,
    projectId: s.projectId,
    studyInstanceUid: s.studyInstanceUid,
    patientSurrogateId: s.patientSurrogateId,
    patientName: s.patientName,
    patientSex: s.patientSex,
    patientAgeBand: s.patientAgeBand,
    studyDate: s.studyDate ? s.studyDate.toISOString().slice(0, 10) : null,
    studyTime: s.studyTime,
    accessionNumber: s.accessionNumber,
    studyDescription: s.studyDescription,
    modalities: s.modalities,
    seriesCount: s.seriesCount,
    instanceCount: s.instanceCount,
    createdAt: s.createdAt.toISOString(),
  };
}

function toSeriesDto(s: Series) {
  return {
    id: s.id, seriesInstanceUid: s.seriesInstanceUid, seriesNumber: s.seriesNumber, seriesDescription: s.seriesDescription,
    seriesDate: s.seriesDate ? s.seriesDate.toISOString().slice(0, 10) : null, modality: s.modality, bodyPart: s.bodyPart,
    manufacturer: s.manufacturer, instanceCount: s.instanceCount,
  };
}

/** The query's filters; the repository ANDs the key's scope with them. */
function listFilters(q: StudyListQuery): Prisma.StudyWhereInput {
  return {
    ...(q.projectId ? { projectId: q.projectId } : {}),
    ...(q.studyInstanceUid ? { studyInstanceUid: q.studyInstanceUid } : {}),
    ...(q.patientId ? { patientSurrogateId: q.patientId } : {}),
    ...(q.accessionNumber ? { accessionNumber: q.accessionNumber } : {}),
    ...(q.modality ? { modalities: { has: q.modality } } : {}),
    ...(q.bodyPart ? { series: { some: { bodyPart: q.bodyPart } } } : {}),
    ...(q.from || q.to ? { studyDate: { ...(q.from ? { gte: new Date(q.from) } : {}), ...(q.to ? { lte: new Date(q.to) } : {}) } } : {}),
  };
}

export const studyRoutes: FastifyPluginAsyncZod = async (app) => {
  const tags = ['studies'];
  const { studies } = app.repos;

  app.get('/v1/studies', {
    config: { scopes: ['studies:read'] },
    schema: {
      tags, operationId: 'studies.list', summary: 'List de-identified studies, newest study date first',
      querystring: StudyListQuerySchema, response: { 200: z.object({ items: z.array(StudySchema), nextCursor: z.string().nullable() }) },
    },
  }, async (request) => {
    const q = request.query;
    const cursor = q.cursor ? decodeStudyCursor(q.cursor) : undefined;
    const page = await readStudyPage((args) => studies.find(request.auth, args), listFilters(q), q.limit, cursor);
    await request.audit({ action: 'study.list', resourceType: 'study', details: { results: page.rows.length } });
    return { items: page.rows.map(toStudyDto), nextCursor: page.nextCursor };
  });

  app.get('/v1/studies/:id', {
    config: { scopes: ['studies:read'] },
    schema: { tags, operationId: 'studies.get', summary: 'A de-identified study with its series and counts', params: IdParamsSchema, response: { 200: StudyDetailSchema } },
  }, async (request) => {
    const study = await studies.withSeries(request.auth, request.params.id);
    if (!study) throw new NotFoundError('Study');
    await request.audit({ action: 'study.read', projectId: study.projectId, resourceType: 'study', resourceId: study.id });
    return { ...toStudyDto(study), series: study.series.map(toSeriesDto) };
  });
};
