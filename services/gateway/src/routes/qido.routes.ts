// QIDO-RS (PS3.18 10.6) over the de-identified index: studies, a study's series, a series'
// instances. Answers come from Postgres (no object reads): one SQL search picks the page of ids
// (matching in src/dicomweb/qido.query.ts and qido.sql.ts), then the rows are read by id.
// Unsupported keys are ignored with a Warning header, as the standard allows; a malformed value
// of a supported key is a 400. Every search is audited.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { DicomJsonDatasetSchema, NotFoundError, QidoQuerySchema } from '@medgrade/contracts';
import { Prisma } from '@medgrade/db';
import { includeFields, parseQido, type QidoKey, type QidoSearch } from '../dicomweb/qido.query.ts';
import { conditionsSql, inOrder, tenantSql } from '../dicomweb/qido.sql.ts';
import { tenantWhere, wadoUrl } from '../ingest/ingest.context.ts';

const Uid = z.string().regex(/^[0-9.]{1,64}$/, 'a DICOM UID');
type Attr = { vr: string; Value?: unknown[] };
type Json = Record<string, Attr>;

// The searchable attributes: what the index holds (PatientID is the de-identified surrogate).
// No person-name (PN) attribute is indexed, so fuzzymatching has nothing to apply to yet.
const STUDY_KEYS: QidoKey[] = [
  { keyword: 'StudyInstanceUID', tag: '0020000D', kind: 'uid', column: 'studyInstanceUid' },
  { keyword: 'StudyDate', tag: '00080020', kind: 'date', column: 'studyDate' },
  { keyword: 'ModalitiesInStudy', tag: '00080061', kind: 'code', column: 'modalities', array: true },
  { keyword: 'PatientID', tag: '00100020', kind: 'text', column: 'patientSurrogateId' },
  { keyword: 'PatientSex', tag: '00100040', kind: 'code', column: 'patientSex' },
];
const SERIES_KEYS: QidoKey[] = [
  { keyword: 'SeriesInstanceUID', tag: '0020000E', kind: 'uid', column: 'seriesInstanceUid' },
  { keyword: 'Modality', tag: '00080060', kind: 'code', column: 'modality' },
  { keyword: 'BodyPartExamined', tag: '00180015', kind: 'code', column: 'bodyPart' },
  { keyword: 'Manufacturer', tag: '00080070', kind: 'text', column: 'manufacturer' },
];
const INSTANCE_KEYS: QidoKey[] = [
  { keyword: 'SOPInstanceUID', tag: '00080018', kind: 'uid', column: 'sopInstanceUid' },
  { keyword: 'SOPClassUID', tag: '00080016', kind: 'uid', column: 'sopClassUid' },
];

function attr(vr: string, value: unknown): Attr {
  if (value === null || value === undefined || (Array.isArray(value) && value.length === 0)) return { vr };
  return { vr, Value: Array.isArray(value) ? value : [value] };
}

const dicomDate = (d: Date | null) => (d ? d.toISOString().slice(0, 10).replace(/-/g, '') : null);

const and = (parts: Prisma.Sql[]) => Prisma.join(parts, ' AND ');

/** The OpenAPI description of a level's matching. */
function matchingText(keys: QidoKey[]): string {
  return [
    `Match keys (keyword or tag): ${keys.map((k) => k.keyword).join(', ')}.`,
    'UIDs: one or a list separated by "," or "\\"; no wildcards. Dates: YYYYMMDD, YYYYMMDD-, -YYYYMMDD or YYYYMMDD-YYYYMMDD.',
    'Other attributes: exact and case-sensitive, a list separated by "\\" matches any; "*" (any run of characters) and "?" (one character) are wildcards anywhere in a value; an empty value or "*" matches everything.',
    'fuzzymatching=true applies to person names (PN) only, and none is indexed: the answer then carries a Warning that only literal matching was done.',
    'Unknown keys are ignored with a Warning header; a malformed value of a known key is a 400 naming the key.',
  ].join(' ');
}

/** Wants an optional attribute: named in includefield (keyword or tag) or includefield=all. */
function wants(fields: Set<string>, keyword: string, tag: string): boolean {
  return fields.has('all') || fields.has(keyword) || fields.has(tag);
}

/** PS3.18 Warning header values: keys ignored, and fuzzymatching asked of a level without PN keys. */
function warnings(search: QidoSearch, keys: QidoKey[]): string[] {
  const out: string[] = [];
  if (search.ignored.length > 0) out.push(`299 medgrade "Unsupported query keys ignored: ${search.ignored.join(', ').slice(0, 200)}"`);
  if (search.fuzzy && !keys.some((k) => k.kind === 'name')) out.push('299 medgrade "The fuzzymatching parameter is not supported for these attributes. Only literal matching has been performed."');
  return out;
}

async function respond(request: FastifyRequest, reply: FastifyReply, level: string, warn: string[], results: Json[]) {
  await request.audit({ action: 'qido.search', resourceType: level, details: { results: results.length } });
  if (warn.length > 0) reply.header('warning', warn.length === 1 ? warn[0]! : warn);
  return reply.type('application/dicom+json').send(results);
}

export const qidoRoutes: FastifyPluginAsyncZod = async (app: FastifyInstance) => {
  const tags = ['dicomweb'];
  const response = { 200: z.array(DicomJsonDatasetSchema) };
  const route = (summary: string, keys: QidoKey[], params?: z.ZodObject) => ({
    config: { scopes: ['studies:read' as const] },
    schema: { tags, summary, description: matchingText(keys), querystring: QidoQuerySchema, response, ...(params ? { params } : {}) },
  });

  app.get('/dicomweb/studies', route('QIDO-RS: search de-identified studies', STUDY_KEYS), async (request, reply) => {
    const q = request.query as z.infer<typeof QidoQuerySchema>;
    const search = parseQido(q, STUDY_KEYS);
    const where = [...tenantSql('s', request.auth), ...conditionsSql('s', STUDY_KEYS, search.conditions)];
    const ids = (await app.deps.prisma.$queryRaw<{ id: string }[]>`
      SELECT s."id"::text AS "id" FROM "Study" s WHERE ${and(where)}
      ORDER BY s."createdAt", s."id" LIMIT ${q.limit}::int OFFSET ${q.offset}::int`).map((r) => r.id);
    const rows = inOrder(ids, await app.deps.prisma.study.findMany({ where: { id: { in: ids } } }));
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
    return respond(request, reply, 'study', warnings(search, STUDY_KEYS), results);
  });

  app.get('/dicomweb/studies/:study/series', route('QIDO-RS: search the series of a de-identified study', SERIES_KEYS, z.object({ study: Uid })), async (request, reply) => {
    const q = request.query as z.infer<typeof QidoQuerySchema>;
    const { study } = request.params as { study: string };
    // A study the caller cannot see is not found (not an empty result that would confirm nothing).
    if (!(await app.deps.prisma.study.findFirst({ where: { ...tenantWhere(request), studyInstanceUid: study }, select: { id: true } }))) throw new NotFoundError('Study');
    const search = parseQido(q, SERIES_KEYS);
    const where = [...tenantSql('se', request.auth), Prisma.sql`st."studyInstanceUid" = ${study}`, ...conditionsSql('se', SERIES_KEYS, search.conditions)];
    const ids = (await app.deps.prisma.$queryRaw<{ id: string }[]>`
      SELECT se."id"::text AS "id" FROM "Series" se JOIN "Study" st ON st."id" = se."studyId" WHERE ${and(where)}
      ORDER BY se."createdAt", se."id" LIMIT ${q.limit}::int OFFSET ${q.offset}::int`).map((r) => r.id);
    const rows = inOrder(ids, await app.deps.prisma.series.findMany({ where: { id: { in: ids } } }));
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
    return respond(request, reply, 'series', warnings(search, SERIES_KEYS), results);
  });

  app.get('/dicomweb/studies/:study/series/:series/instances', route('QIDO-RS: search the instances of a de-identified series', INSTANCE_KEYS, z.object({ study: Uid, series: Uid })), async (request, reply) => {
    const q = request.query as z.infer<typeof QidoQuerySchema>;
    const { study, series } = request.params as { study: string; series: string };
    if (!(await app.deps.prisma.series.findFirst({ where: { ...tenantWhere(request), seriesInstanceUid: series, study: { studyInstanceUid: study } }, select: { id: true } }))) throw new NotFoundError('Series');
    const search = parseQido(q, INSTANCE_KEYS);
    const where = [
      ...tenantSql('i', request.auth), Prisma.sql`i."status" = 'READY'`,
      Prisma.sql`i."studyInstanceUid" = ${study}`, Prisma.sql`i."seriesInstanceUid" = ${series}`,
      ...conditionsSql('i', INSTANCE_KEYS, search.conditions),
    ];
    // One row per SOP instance UID (a re-upload of changed bytes can index the same UID twice).
    const ids = (await app.deps.prisma.$queryRaw<{ id: string }[]>`
      SELECT DISTINCT ON (i."sopInstanceUid") i."id"::text AS "id" FROM "Instance" i WHERE ${and(where)}
      ORDER BY i."sopInstanceUid", i."id" LIMIT ${q.limit}::int OFFSET ${q.offset}::int`).map((r) => r.id);
    const rows = inOrder(ids, await app.deps.prisma.instance.findMany({ where: { id: { in: ids } } }));
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
    return respond(request, reply, 'instance', warnings(search, INSTANCE_KEYS), results);
  });
};
