// QIDO-RS (PS3.18 10.6) over the de-identified index: studies, a study's series, a series'
// instances. Answers come from Postgres (no object reads); unsupported keys are ignored with a
// Warning header, as the standard allows. Every search is audited.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { DicomJsonDatasetSchema, NotFoundError, QidoQuerySchema } from '@medgrade/contracts';
import type { Prisma } from '@medgrade/db';
import { includeFields, parseQido, wildcardFilter, type Condition, type QidoKey } from '../dicomweb/qido.query.ts';
import { tenantWhere, wadoUrl } from '../ingest/ingest.context.ts';

const Uid = z.string().regex(/^[0-9.]{1,64}$/, 'a DICOM UID');
type Attr = { vr: string; Value?: unknown[] };
type Json = Record<string, Attr>;

const STUDY_KEYS: QidoKey[] = [
  { keyword: 'StudyInstanceUID', tag: '0020000D', kind: 'uid' },
  { keyword: 'StudyDate', tag: '00080020', kind: 'date' },
  { keyword: 'ModalitiesInStudy', tag: '00080061', kind: 'code' },
  { keyword: 'PatientID', tag: '00100020', kind: 'text' },
  { keyword: 'PatientSex', tag: '00100040', kind: 'code' },
];
const SERIES_KEYS: QidoKey[] = [
  { keyword: 'SeriesInstanceUID', tag: '0020000E', kind: 'uid' },
  { keyword: 'Modality', tag: '00080060', kind: 'code' },
  { keyword: 'BodyPartExamined', tag: '00180015', kind: 'code' },
  { keyword: 'Manufacturer', tag: '00080070', kind: 'text' },
];
const INSTANCE_KEYS: QidoKey[] = [
  { keyword: 'SOPInstanceUID', tag: '00080018', kind: 'uid' },
  { keyword: 'SOPClassUID', tag: '00080016', kind: 'uid' },
];

function attr(vr: string, value: unknown): Attr {
  if (value === null || value === undefined || (Array.isArray(value) && value.length === 0)) return { vr };
  return { vr, Value: Array.isArray(value) ? value : [value] };
}

const dicomDate = (d: Date | null) => (d ? d.toISOString().slice(0, 10).replace(/-/g, '') : null);

function stringFilter(c: Condition): Prisma.StringFilter | string | undefined {
  if (c.kind === 'in') return c.values.length === 1 ? c.values[0]! : { in: c.values };
  if (c.kind === 'like') return wildcardFilter(c.pattern);
  return undefined;
}

function dateFilter(c: Condition | undefined): Prisma.DateTimeNullableFilter | undefined {
  return c?.kind === 'range' ? { ...(c.from ? { gte: c.from } : {}), ...(c.to ? { lte: c.to } : {}) } : undefined;
}

/** Wants an optional attribute: named in includefield (keyword or tag) or includefield=all. */
function wants(fields: Set<string>, keyword: string, tag: string): boolean {
  return fields.has('all') || fields.has(keyword) || fields.has(tag);
}

async function respond(request: FastifyRequest, reply: FastifyReply, level: string, ignored: string[], results: Json[]) {
  await request.audit({ action: 'qido.search', resourceType: level, details: { results: results.length } });
  if (ignored.length > 0) reply.header('warning', `299 medgrade "Unsupported query keys ignored: ${ignored.join(', ').slice(0, 200)}"`);
  return reply.type('application/dicom+json').send(results);
}

export const qidoRoutes: FastifyPluginAsyncZod = async (app: FastifyInstance) => {
  const tags = ['dicomweb'];
  const response = { 200: z.array(DicomJsonDatasetSchema) };
  const route = (summary: string, params?: z.ZodObject) => ({ config: { scopes: ['studies:read' as const] }, schema: { tags, summary, querystring: QidoQuerySchema, response, ...(params ? { params } : {}) } });

  app.get('/dicomweb/studies', route('QIDO-RS: search de-identified studies'), async (request, reply) => {
    const q = request.query as z.infer<typeof QidoQuerySchema>;
    const { conditions: c, ignored } = parseQido(q, STUDY_KEYS);
    const modality = c.get('ModalitiesInStudy');
    const where: Prisma.StudyWhereInput = {
      ...tenantWhere(request),
      ...(c.get('StudyInstanceUID') ? { studyInstanceUid: stringFilter(c.get('StudyInstanceUID')!) } : {}),
      ...(c.get('PatientID') ? { patientSurrogateId: stringFilter(c.get('PatientID')!) } : {}),
      ...(c.get('PatientSex') ? { patientSex: stringFilter(c.get('PatientSex')!) } : {}),
      ...(modality?.kind === 'in' ? { modalities: { hasSome: modality.values } } : {}),
      ...(dateFilter(c.get('StudyDate')) ? { studyDate: dateFilter(c.get('StudyDate')) } : {}),
    };
    const rows = await app.deps.prisma.study.findMany({ where, orderBy: { createdAt: 'asc' }, skip: q.offset, take: q.limit });
    const fields = includeFields(q.includefield);
    const results = rows.map((s) => ({
      '00080020': attr('DA', dicomDate(s.studyDate)),
      '00080061': attr('CS', s.modalities),
      '00100020': attr('LO', s.patientSurrogateId),
      ...(wants(fields, 'PatientSex', '00100040') ? { '00100040': attr('CS', s.patientSex) } : {}),
      '0020000D': attr('UI', s.studyInstanceUid),
      '00201206': attr('IS', s.seriesCount),
      '00201208': attr('IS', s.instanceCount),
      '00081190': attr('UR', wadoUrl(app, s.studyInstanceUid)),
    }));
    return respond(request, reply, 'study', ignored, results);
  });

  app.get('/dicomweb/studies/:study/series', route('QIDO-RS: search the series of a de-identified study', z.object({ study: Uid })), async (request, reply) => {
    const q = request.query as z.infer<typeof QidoQuerySchema>;
    const { study } = request.params as { study: string };
    // A study the caller cannot see is not found (not an empty result that would confirm nothing).
    if (!(await app.deps.prisma.study.findFirst({ where: { ...tenantWhere(request), studyInstanceUid: study }, select: { id: true } }))) throw new NotFoundError('Study');
    const { conditions: c, ignored } = parseQido(q, SERIES_KEYS);
    const where: Prisma.SeriesWhereInput = {
      ...tenantWhere(request),
      study: { studyInstanceUid: study },
      ...(c.get('SeriesInstanceUID') ? { seriesInstanceUid: stringFilter(c.get('SeriesInstanceUID')!) } : {}),
      ...(c.get('Modality') ? { modality: stringFilter(c.get('Modality')!) } : {}),
      ...(c.get('BodyPartExamined') ? { bodyPart: stringFilter(c.get('BodyPartExamined')!) } : {}),
      ...(c.get('Manufacturer') ? { manufacturer: stringFilter(c.get('Manufacturer')!) } : {}),
    };
    const rows = await app.deps.prisma.series.findMany({ where, orderBy: { createdAt: 'asc' }, skip: q.offset, take: q.limit });
    const fields = includeFields(q.includefield);
    const results = rows.map((s) => ({
      '00080060': attr('CS', s.modality),
      '0020000D': attr('UI', study),
      '0020000E': attr('UI', s.seriesInstanceUid),
      '00201209': attr('IS', s.instanceCount),
      ...(wants(fields, 'BodyPartExamined', '00180015') ? { '00180015': attr('CS', s.bodyPart) } : {}),
      ...(wants(fields, 'Manufacturer', '00080070') ? { '00080070': attr('LO', s.manufacturer) } : {}),
      ...(wants(fields, 'SeriesDate', '00080021') ? { '00080021': attr('DA', dicomDate(s.seriesDate)) } : {}),
      '00081190': attr('UR', wadoUrl(app, study, s.seriesInstanceUid)),
    }));
    return respond(request, reply, 'series', ignored, results);
  });

  app.get('/dicomweb/studies/:study/series/:series/instances', route('QIDO-RS: search the instances of a de-identified series', z.object({ study: Uid, series: Uid })), async (request, reply) => {
    const q = request.query as z.infer<typeof QidoQuerySchema>;
    const { study, series } = request.params as { study: string; series: string };
    if (!(await app.deps.prisma.series.findFirst({ where: { ...tenantWhere(request), seriesInstanceUid: series, study: { studyInstanceUid: study } }, select: { id: true } }))) throw new NotFoundError('Series');
    const { conditions: c, ignored } = parseQido(q, INSTANCE_KEYS);
    const where: Prisma.InstanceWhereInput = {
      ...tenantWhere(request),
      status: 'READY',
      studyInstanceUid: study,
      seriesInstanceUid: series,
      ...(c.get('SOPInstanceUID') ? { sopInstanceUid: stringFilter(c.get('SOPInstanceUID')!) } : {}),
      ...(c.get('SOPClassUID') ? { sopClassUid: stringFilter(c.get('SOPClassUID')!) } : {}),
    };
    const rows = await app.deps.prisma.instance.findMany({ where, orderBy: { sopInstanceUid: 'asc' }, distinct: ['sopInstanceUid'], skip: q.offset, take: q.limit });
    const fields = includeFields(q.includefield);
    const results = rows.map((i) => ({
      '00080016': attr('UI', i.sopClassUid),
      '00080018': attr('UI', i.sopInstanceUid),
      '0020000D': attr('UI', study),
      '0020000E': attr('UI', series),
      '00280010': attr('US', i.rows),
      '00280011': attr('US', i.columns),
      ...(wants(fields, 'NumberOfFrames', '00280008') ? { '00280008': attr('IS', i.frames) } : {}),
      '00081190': attr('UR', wadoUrl(app, study, series, i.sopInstanceUid!)),
    }));
    return respond(request, reply, 'instance', ignored, results);
  });
};
