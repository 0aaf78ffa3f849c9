// QIDO-RS (PS3.18 10.6) over the de-identified index: studies, series (all, or a study's),
// instances (all, a study's or a series'). Answers come from Postgres (no object reads): the query
// is parsed into conditions here (src/dicomweb/qido.query.ts) and searched by app.repos.qido
// (@medgrade/db: one SQL search picks the page of ids within the caller's tenant, then rows by id).
// Unsupported keys are ignored with a Warning header, as the standard allows; a malformed value
// of a supported key is a 400. Every search is audited.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { DicomJsonDatasetSchema, NotFoundError, qidoQuerySchema, type QidoQuerySchema, WadoSeriesParamsSchema, WadoStudyParamsSchema } from '@medgrade/contracts';
import type { QidoFilter } from '@medgrade/db';
import { headerSafe, includeFields, parseQido, type QidoKey, type QidoSearch } from '../dicomweb/qido.query.ts';
import { instanceJson, seriesJson, studyJson, type QidoJson } from '../dicomweb/qido.results.ts';
import { wadoUrl } from '../ingest/ingest.context.ts';

// The searchable attributes: what the index holds, every value the de-identified output's
// (PatientName, PatientID and AccessionNumber are surrogates under the default profile, never the
// uploaded ones). Each level has its PS3.18 Table 10.6.1-5 required keys but the series' Request
// Attributes Sequence (its two keys are removed by the profile), plus a few optional ones.
export const STUDY_KEYS: QidoKey[] = [
  { keyword: 'StudyInstanceUID', tag: '0020000D', kind: 'uid', column: 'studyInstanceUid' },
  { keyword: 'StudyDate', tag: '00080020', kind: 'date', column: 'studyDate' },
  { keyword: 'StudyTime', tag: '00080030', kind: 'time', column: 'studyTime' },
  { keyword: 'AccessionNumber', tag: '00080050', kind: 'text', column: 'accessionNumber' },
  { keyword: 'ModalitiesInStudy', tag: '00080061', kind: 'code', column: 'modalities', array: true },
  { keyword: 'ReferringPhysicianName', tag: '00080090', kind: 'name', column: 'referringPhysicianName' },
  { keyword: 'StudyDescription', tag: '00081030', kind: 'text', column: 'studyDescription' },
  { keyword: 'PatientName', tag: '00100010', kind: 'name', column: 'patientName' },
  { keyword: 'PatientID', tag: '00100020', kind: 'text', column: 'patientSurrogateId' },
  { keyword: 'PatientSex', tag: '00100040', kind: 'code', column: 'patientSex' },
  { keyword: 'StudyID', tag: '00200010', kind: 'text', column: 'dicomStudyId' },
];
const SERIES_KEYS: QidoKey[] = [
  { keyword: 'SeriesInstanceUID', tag: '0020000E', kind: 'uid', column: 'seriesInstanceUid' },
  { keyword: 'Modality', tag: '00080060', kind: 'code', column: 'modality' },
  { keyword: 'SeriesNumber', tag: '00200011', kind: 'int', column: 'seriesNumber' },
  { keyword: 'SeriesDescription', tag: '0008103E', kind: 'text', column: 'seriesDescription' },
  { keyword: 'PerformedProcedureStepStartDate', tag: '00400244', kind: 'date', column: 'performedProcedureStepStartDate' },
  { keyword: 'PerformedProcedureStepStartTime', tag: '00400245', kind: 'time', column: 'performedProcedureStepStartTime' },
  { keyword: 'BodyPartExamined', tag: '00180015', kind: 'code', column: 'bodyPart' },
  { keyword: 'Manufacturer', tag: '00080070', kind: 'text', column: 'manufacturer' },
  { keyword: 'SeriesDate', tag: '00080021', kind: 'date', column: 'seriesDate' },
  { keyword: 'SeriesTime', tag: '00080031', kind: 'time', column: 'seriesTime' },
];
const INSTANCE_KEYS: QidoKey[] = [
  { keyword: 'SOPInstanceUID', tag: '00080018', kind: 'uid', column: 'sopInstanceUid' },
  { keyword: 'SOPClassUID', tag: '00080016', kind: 'uid', column: 'sopClassUid' },
  { keyword: 'InstanceNumber', tag: '00200013', kind: 'int', column: 'instanceNumber' },
];

const STUDY_UID_KEY: QidoKey = { keyword: 'StudyInstanceUID', tag: '0020000D', kind: 'uid', column: 'studyInstanceUid' };
const SERIES_UID_KEY: QidoKey = { keyword: 'SeriesInstanceUID', tag: '0020000E', kind: 'uid', column: 'seriesInstanceUid' };
// All instances of the caller's scope (or of one study): the instance row carries both UIDs.
const ALL_INSTANCE_KEYS = [STUDY_UID_KEY, SERIES_UID_KEY, ...INSTANCE_KEYS];
const STUDY_INSTANCE_KEYS = [SERIES_UID_KEY, ...INSTANCE_KEYS];
const INSTANCE_ORDER = 'ordered by InstanceNumber (instances without one last), then SOP Instance UID';

const filterOf = (search: QidoSearch, keys: readonly QidoKey[]): QidoFilter => ({ keys, conditions: search.conditions });

/** The OpenAPI description of a level's matching. */
function matchingText(keys: QidoKey[], order: string): string {
  return [
    `Match keys (keyword or tag): ${keys.map((k) => k.keyword).join(', ')}.`,
    'Every value is the de-identified one (what the stored object carries: surrogates, shifted dates, values the profile emptied match nothing), never the uploaded one.',
    'UIDs: one or a list separated by "," or "\\"; no wildcards. Dates: YYYYMMDD, YYYYMMDD-, -YYYYMMDD or YYYYMMDD-YYYYMMDD.',
    'Times: HHMMSS (or HH, HHMM, HHMMSS.FFFFFF), one or a range with "-"; a partial time covers its whole hour or minute.',
    ...(keys.some((k) => k.kind === 'int') ? ['Numbers (SeriesNumber, InstanceNumber): one or a list separated by "\\"; no wildcards.'] : []),
    'Other attributes: exact and case-sensitive, a list separated by "\\" matches any; "*" (any run of characters) and "?" (one character) are wildcards anywhere in a value; an empty value or "*" matches everything.',
    keys.some((k) => k.kind === 'name')
      ? 'With fuzzymatching=true a person name (PatientName, ReferringPhysicianName) matches when every query word (split at "^", "=", spaces, commas) starts some part of the name, ignoring case.'
      : 'fuzzymatching=true applies to person names (PN), which this level does not have: the answer then carries a Warning that only literal matching was done.',
    `Results: the attributes PS3.18 Table 10.6.3-3/-4/-5 requires (zero-length when the de-identified object has no value), optional ones named in includefield or used as keys, ${order}.`,
    'Unknown keys are ignored with a Warning header; a malformed value of a known key is a 400 naming the key.',
  ].join(' ');
}

/** PS3.18 Warning header values: keys ignored, and fuzzymatching asked of a level without PN keys. */
function warnings(search: QidoSearch, keys: QidoKey[]): string[] {
  const out: string[] = [];
  if (search.ignored.length > 0) out.push(`299 medgrade "Unsupported query keys ignored: ${search.ignored.map(headerSafe).join(', ').slice(0, 200)}"`);
  if (search.fuzzy && !keys.some((k) => k.kind === 'name')) out.push('299 medgrade "The fuzzymatching parameter is not supported for these attributes. Only literal matching has been performed."');
  return out;
}

async function respond(request: FastifyRequest, reply: FastifyReply, level: string, warn: string[], results: QidoJson[]) {
  await request.audit({ action: 'qido.search', resourceType: level, details: { results: results.length } });
  if (warn.length > 0) reply.header('warning', warn.length === 1 ? warn[0]! : warn);
  return reply.type('application/dicom+json').send(results);
}

export const qidoRoutes: FastifyPluginAsyncZod = async (app: FastifyInstance) => {
  const tags = ['dicomweb'];
  const response = { 200: z.array(DicomJsonDatasetSchema).describe('Matching datasets in DICOM JSON (empty when nothing matches)') };
  const route = (operationId: string, summary: string, keys: QidoKey[], order: string, params?: z.ZodObject) => ({
    config: { scopes: ['studies:read' as const] },
    schema: {
      tags, operationId, summary, description: matchingText(keys, order), querystring: qidoQuerySchema(keys),
      produces: ['application/dicom+json'], response, ...(params ? { params } : {}),
    },
  });

  app.get('/dicomweb/studies', route('dicomweb.searchStudies', 'QIDO-RS: search de-identified studies', STUDY_KEYS, 'in the order the studies were indexed'), async (request, reply) => {
    const q = request.query as z.infer<typeof QidoQuerySchema>;
    const search = parseQido(q, STUDY_KEYS);
    const rows = await app.repos.qido.studies(request.auth, filterOf(search, STUDY_KEYS), q);
    const wanted = { fields: includeFields(q.includefield), search };
    const results = rows.map((s) => studyJson(s, wadoUrl(app, s.studyInstanceUid), wanted));
    return respond(request, reply, 'study', warnings(search, STUDY_KEYS), results);
  });

  app.get('/dicomweb/studies/:study/series', route('dicomweb.searchSeries', 'QIDO-RS: search the series of a de-identified study', SERIES_KEYS, 'ordered by SeriesNumber (series without one last)', WadoStudyParamsSchema), async (request, reply) => {
    const q = request.query as z.infer<typeof QidoQuerySchema>;
    const { study } = request.params as { study: string };
    // A study the caller cannot see is not found (not an empty result that would confirm nothing).
    if (!(await app.repos.qido.studyExists(request.auth, study))) throw new NotFoundError('Study');
    const search = parseQido(q, SERIES_KEYS);
    const rows = await app.repos.qido.seriesOfStudy(request.auth, study, filterOf(search, SERIES_KEYS), q);
    const wanted = { fields: includeFields(q.includefield), search };
    const results = rows.map((s) => seriesJson(s, study, wadoUrl(app, study, s.seriesInstanceUid), wanted));
    return respond(request, reply, 'series', warnings(search, SERIES_KEYS), results);
  });

  app.get('/dicomweb/studies/:study/series/:series/instances', route('dicomweb.searchInstances', 'QIDO-RS: search the instances of a de-identified series', INSTANCE_KEYS, 'ordered by InstanceNumber (instances without one last), then SOP Instance UID', WadoSeriesParamsSchema), async (request, reply) => {
    const q = request.query as z.infer<typeof QidoQuerySchema>;
    const { study, series } = request.params as { study: string; series: string };
    const found = await app.repos.qido.seriesIds(request.auth, study, series);
    if (found.length === 0) throw new NotFoundError('Series');
    const search = parseQido(q, INSTANCE_KEYS);
    const rows = await app.repos.qido.instancesOfSeries(request.auth, found, filterOf(search, INSTANCE_KEYS), q);
    const wanted = { fields: includeFields(q.includefield), search };
    const results = rows.map((i) => instanceJson(i, study, series, wadoUrl(app, study, series, i.sopInstanceUid!), wanted));
    return respond(request, reply, 'instance', warnings(search, INSTANCE_KEYS), results);
  });
  app.get('/dicomweb/series', route('dicomweb.searchAllSeries', 'QIDO-RS: search all de-identified series', [STUDY_UID_KEY, ...SERIES_KEYS], 'in the order the series were indexed'), async (request, reply) => {
    const q = request.query as z.infer<typeof QidoQuerySchema>;
    const search = parseQido(q, [STUDY_UID_KEY, ...SERIES_KEYS]);
    const rows = await app.repos.qido.series(request.auth, { ...filterOf(search, SERIES_KEYS), studyKeys: [STUDY_UID_KEY] }, q);
    const wanted = { fields: includeFields(q.includefield), search };
    const results = rows.map((s) => seriesJson(s, s.study.studyInstanceUid, wadoUrl(app, s.study.studyInstanceUid, s.seriesInstanceUid), wanted));
    return respond(request, reply, 'series', warnings(search, SERIES_KEYS), results);
  });

  const searchInstances = async (request: FastifyRequest, reply: FastifyReply, keys: QidoKey[], study?: string) => {
    const q = request.query as z.infer<typeof QidoQuerySchema>;
    const search = parseQido(q, keys);
    const rows = await app.repos.qido.instances(request.auth, filterOf(search, keys), q, study);
    const wanted = { fields: includeFields(q.includefield), search };
    const results = rows.map((i) => instanceJson(i, i.studyInstanceUid!, i.seriesInstanceUid!, wadoUrl(app, i.studyInstanceUid!, i.seriesInstanceUid!, i.sopInstanceUid!), wanted));
    return respond(request, reply, 'instance', warnings(search, INSTANCE_KEYS), results);
  };

  app.get('/dicomweb/instances', route('dicomweb.searchAllInstances', 'QIDO-RS: search all de-identified instances', ALL_INSTANCE_KEYS, INSTANCE_ORDER), async (request, reply) =>
    searchInstances(request, reply, ALL_INSTANCE_KEYS));

  app.get('/dicomweb/studies/:study/instances', route('dicomweb.searchStudyInstances', 'QIDO-RS: search the instances of a de-identified study', STUDY_INSTANCE_KEYS, INSTANCE_ORDER, WadoStudyParamsSchema), async (request, reply) => {
    const { study } = request.params as { study: string };
    if (!(await app.repos.qido.studyExists(request.auth, study))) throw new NotFoundError('Study');
    return searchInstances(request, reply, STUDY_INSTANCE_KEYS, study);
  });
};
