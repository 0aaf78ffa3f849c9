import { z } from 'zod';
import { TextFilterSchema, TimestampSchema } from './common.schema.ts';

// Uploads, instance status, studies and DICOMweb query shapes. Every UID here is a
// de-identified one; no value of an uploaded header ever appears, only those of the
// de-identified output (UIDs, and the patient surrogates a study carries).

export const InstanceStatusSchema = z.enum(['RECEIVED', 'DEIDENTIFYING', 'READY', 'REJECTED', 'FAILED']);

/**
 * errorCode of a REJECTED instance whose SOP Instance UID another live instance of its project
 * holds (a project keeps the first stored per SOP Instance UID; set by the deid-worker and by the
 * migration that resolved earlier duplicates).
 */
export const DUPLICATE_SOP_INSTANCE = 'DUPLICATE_SOP_INSTANCE';

const Uid = z.string().regex(/^[0-9.]{1,64}$/, 'a DICOM UID (digits and dots, at most 64)');

/** Where uploads go: the key's project, or this one (keys scoped to a project may omit it). */
export const UploadTargetQuerySchema = z.object({
  projectId: z.uuid().optional().describe('Target project; defaults to the API key\'s project'),
});

export const UploadInstanceSchema = z
  .object({
    id: z.uuid().nullable().describe('Instance id; null for a file refused before a row existed'),
    status: InstanceStatusSchema,
    errorCode: z.string().nullable().describe('Why the instance is not READY (REJECTED/FAILED)'),
    message: z.string().optional().describe('What to fix, for a file refused at upload (e.g. the limit it passed); never a header value'),
    fileName: z.string().optional().describe('Name of the uploaded file or zip entry'),
    studyInstanceUid: Uid.nullable().optional(),
    seriesInstanceUid: Uid.nullable().optional(),
    sopInstanceUid: Uid.nullable().optional(),
    retrieveUrl: z.string().nullable().optional().describe('WADO-RS URL of the de-identified instance (READY only)'),
    duplicate: z.enum(['SAME_BYTES', 'SAME_SOP_INSTANCE']).optional().describe(
      'Set when this file was not stored because the project already holds it (id and status are then the stored instance\'s): '
      + 'SAME_BYTES, the identical file; SAME_SOP_INSTANCE, an instance with the same SOP Instance UID and other bytes (the first stored is kept)',
    ),
  })
  .meta({ id: 'UploadInstance' });

export const UploadAcceptedSchema = z
  .object({ uploadId: z.uuid(), instances: z.array(UploadInstanceSchema) })
  .meta({ id: 'UploadAccepted' });

export const UploadStatusSchema = z
  .object({
    uploadId: z.uuid(),
    projectId: z.uuid(),
    createdAt: TimestampSchema,
    counts: z.partialRecord(InstanceStatusSchema, z.number().int()).describe('Instances per status'),
    instances: z.array(UploadInstanceSchema),
  })
  .meta({ id: 'UploadStatus' });

export const StudySchema = z
  .object({
    id: z.uuid(),
    projectId: z.uuid(),
    studyInstanceUid: Uid,
    patientSurrogateId: z.string().nullable().describe('PatientID (0010,0020) of the de-identified output: a surrogate under the default profile, never the uploaded ID'),
    patientName: z.string().nullable().describe('PatientName (0010,0010) of the de-identified output as a DICOM PN string ("Family^Given"): a surrogate under the default profile, never the uploaded name'),
    patientSex: z.string().nullable(),
    patientAgeBand: z.string().nullable(),
    studyDate: z.iso.date().nullable().describe('Shifted study date when the profile keeps modified dates'),
    studyTime: z.string().nullable().describe('StudyTime (0008,0030) of the de-identified output as its TM text, as stored (e.g. "143008" or "143008.123")'),
    accessionNumber: z.string().nullable().describe('AccessionNumber (0008,0050) of the de-identified output: a surrogate under the default profile, never the uploaded number'),
    studyDescription: z.string().nullable().describe('StudyDescription (0008,1030) of the de-identified output: null unless the profile keeps descriptions (Clean Descriptors)'),
    modalities: z.array(z.string()),
    seriesCount: z.number().int(),
    instanceCount: z.number().int(),
    createdAt: TimestampSchema,
  })
  .meta({ id: 'Study' });

export const SeriesSchema = z
  .object({
    id: z.uuid(),
    seriesInstanceUid: Uid,
    seriesNumber: z.number().int().nullable().describe('SeriesNumber (0020,0011) of the de-identified output; a study\'s series are listed in its order'),
    seriesDescription: z.string().nullable().describe('SeriesDescription (0008,103E) of the de-identified output: null unless the profile keeps descriptions (Clean Descriptors)'),
    seriesDate: z.iso.date().nullable().describe('SeriesDate (0008,0021) of the de-identified output: shifted when the profile keeps modified dates'),
    modality: z.string().nullable(),
    bodyPart: z.string().nullable(),
    manufacturer: z.string().nullable(),
    instanceCount: z.number().int(),
  })
  .meta({ id: 'Series' });

export const StudyDetailSchema = StudySchema.extend({ series: z.array(SeriesSchema) }).meta({ id: 'StudyDetail' });

/** DELETE /v1/studies/{id}: why the study is erased (a correction, a withdrawal of consent); recorded in the audit trail. */
export const StudyDeleteBodySchema = z
  .object({ reason: z.string().min(3).max(500).describe('Why the study is erased (recorded in the audit trail; no patient data)') })
  .strict()
  .meta({ id: 'StudyDeleteBody' });

export const StudyDeletedSchema = z
  .object({
    id: z.uuid(),
    deletedInstances: z.number().int().describe('Instance rows removed: READY ones (their de-identified objects erased) and REJECTED/FAILED tries of the study'),
    deletedSeries: z.number().int(),
  })
  .meta({ id: 'StudyDeleted' });

export const StudyListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).max(64).optional().describe('nextCursor of the previous page, unchanged (opaque); studies are listed newest StudyDate first, then by id, undated studies last'),
  projectId: z.uuid().optional(),
  modality: z.string().regex(/^[A-Z0-9]{1,16}$/).optional(),
  bodyPart: TextFilterSchema.max(64).optional(),
  studyInstanceUid: Uid.optional(),
  patientId: TextFilterSchema.max(64).optional().describe('Exact de-identified PatientID (a study\'s patientSurrogateId); QIDO-RS PatientID also takes wildcards'),
  accessionNumber: TextFilterSchema.max(16).optional().describe('Exact de-identified AccessionNumber (the surrogate the study carries); QIDO-RS AccessionNumber also takes wildcards'),
  from: z.iso.date().optional().describe('Study date on or after (YYYY-MM-DD)'),
  to: z.iso.date().optional().describe('Study date on or before (YYYY-MM-DD)'),
});

export type StudyListQuery = z.infer<typeof StudyListQuerySchema>;

/** A DICOM JSON (PS3.18 F.2) data set: tag → { vr, Value? | InlineBinary? | BulkDataURI? }. */
export const DicomJsonDatasetSchema = z
  .record(z.string().regex(/^[0-9A-F]{8}$/), z.object({ vr: z.string() }).loose())
  .meta({ id: 'DicomJsonDataset' });

const QidoValue = z.union([z.string(), z.array(z.string())]);

/** QIDO-RS query: attribute matching by keyword or tag, includefield, limit/offset. */
export const QidoQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(1000).default(100).describe('Most results to return (1-1000)'),
    offset: z.coerce.number().int().min(0).default(0).describe('Results to skip (paging)'),
    includefield: z.union([z.string(), z.array(z.string())]).optional().describe('Extra attributes (keyword or tag) to return, comma-separated or repeated, or "all"'),
    fuzzymatching: z.string().optional().describe('"true": person names match when every query word starts a part of the name, ignoring case; "false" (default): literal'),
  })
  .catchall(QidoValue);

/** A QIDO-RS match key of one level, as OpenAPI declares it (the tag form is accepted too). */
export interface QidoMatchKey {
  keyword: string;
  tag: string;
}

/**
 * A level's QIDO-RS query with its match keys declared as optional parameters, so clients see
 * them; other keys (and the `ggggeeee` tag forms) still pass, and the gateway ignores unknown
 * ones with a Warning header.
 */
export function qidoQuerySchema(keys: readonly QidoMatchKey[]) {
  const declared = Object.fromEntries(keys.map((k) => [k.keyword, QidoValue.optional().describe(`Match on ${k.keyword} (${k.tag}); also accepted as ${k.tag}=`)]));
  return QidoQuerySchema.extend(declared);
}
