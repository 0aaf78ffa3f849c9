// GET /v1/studies (filters, cursor pagination) and GET /v1/studies/{id} (with series): the
// de-identified index as JSON. Every read is audited.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { IdParamsSchema, NotFoundError, StudyDetailSchema, StudyListQuerySchema, StudySchema } from '@medgrade/contracts';
import type { Prisma, Series, Study } from '@medgrade/db';
import { tenantWhere } from '../ingest/ingest.context.ts';

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

export const studyRoutes: FastifyPluginAsyncZod = async (app) => {
  const tags = ['studies'];
  const { prisma } = app.deps;

  app.get('/v1/studies', {
    config: { scopes: ['studies:read'] },
    schema: { tags, summary: 'List de-identified studies', querystring: StudyListQuerySchema, response: { 200: z.object({ items: z.array(StudySchema), nextCursor: z.uuid().nullable() }) } },
  }, async (request) => {
    const q = request.query;
    const where: Prisma.StudyWhereInput = {
      ...tenantWhere(request),
      ...(q.projectId ? { projectId: q.projectId } : {}),
      ...(q.studyInstanceUid ? { studyInstanceUid: q.studyInstanceUid } : {}),
      ...(q.patientId ? { patientSurrogateId: q.patientId } : {}),
      ...(q.modality ? { modalities: { has: q.modality } } : {}),
      ...(q.bodyPart ? { series: { some: { bodyPart: q.bodyPart } } } : {}),
      ...(q.from || q.to ? { studyDate: { ...(q.from ? { gte: new Date(q.from) } : {}), ...(q.to ? { lte: new Date(q.to) } : {}) } } : {}),
      ...(q.cursor ? { id: { gt: q.cursor } } : {}),
    };
    const rows = await prisma.study.findMany({ where, orderBy: { id: 'asc' }, take: q.limit });
    await request.audit({ action: 'study.list', resourceType: 'study', details: { results: rows.length } });
    return { items: rows.map(toStudyDto), nextCursor: rows.length === q.limit ? rows.at(-1)!.id : null };
  });

  app.get('/v1/studies/:id', {
    config: { scopes: ['studies:read'] },
    schema: { tags, summary: 'A de-identified study with its series and counts', params: IdParamsSchema, response: { 200: StudyDetailSchema } },
  }, async (request) => {
    const study = await prisma.study.findFirst({ where: { id: request.params.id, ...tenantWhere(request) }, include: { series: { orderBy: [{ seriesNumber: { sort: 'asc', nulls: 'last' } }, { seriesInstanceUid: 'asc' }] } } });
    if (!study) throw new NotFoundError('Study');
    await request.audit({ action: 'study.read', resourceType: 'study', resourceId: study.id });
    return { ...toStudyDto(study), series: study.series.map(toSeriesDto) };
  });
};
