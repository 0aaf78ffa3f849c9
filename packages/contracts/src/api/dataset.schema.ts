import { z } from 'zod';
import { TimestampSchema } from './common.schema.ts';

// Datasets, labels and snapshots (gateway /v1/datasets, issue 11). A dataset belongs to one
// project (its studies, its UID mapping); labels reference de-identified studies only; a snapshot
// is an immutable patient-disjoint split written as trainer manifests to the object store.

/** What a dataset trains. `report-generation`: the trainer's report decoder plus its label head. */
export const DatasetTaskSchema = z.enum(['report-generation']).describe('What the dataset trains');

/** A finding (label) name: lowercase identifier, as in a model bundle's `labels`. */
export const FindingNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,63}$/, 'use 1-64 lowercase letters, digits and underscores, starting with a letter');

/** Acquisition site (a subgroup key for evaluation): a short identifier the client chooses. */
export const SiteLabelSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'use 1-64 letters, digits, dots, underscores, hyphens');

export const DatasetNameSchema = z.string().trim().min(1).max(200).refine((s) => !/\p{Cc}/u.test(s), 'no control characters');

export const CreateDatasetBodySchema = z
  .object({
    name: DatasetNameSchema,
    projectId: z.uuid().optional().describe("Required for an organization-wide key; a project key's own project otherwise"),
    task: DatasetTaskSchema,
  })
  .strict();

export const DatasetSchema = z
  .object({
    id: z.uuid(),
    orgId: z.uuid(),
    projectId: z.uuid(),
    name: DatasetNameSchema,
    task: DatasetTaskSchema,
    labelCount: z.number().int().describe('Studies with labels'),
    createdAt: TimestampSchema,
    updatedAt: TimestampSchema,
  })
  .meta({ id: 'Dataset' });

/**
 * One line of POST /v1/datasets/{id}/labels (JSON Lines). `patientId`, `accessionNumber` and
 * `patientName` are the row's original identifiers: used only to refuse a report that still
 * carries them, never stored.
 */
export const LabelRowSchema = z
  .object({
    studyInstanceUid: z.string().regex(/^[0-9]+(\.[0-9]+)*$/, 'a DICOM UID (digits and dots)').max(64),
    labels: z.record(FindingNameSchema, z.union([z.literal(0), z.literal(1)])).refine((l) => Object.keys(l).length > 0, 'give at least one finding'),
    report: z.string().max(20_000).optional(),
    site: SiteLabelSchema.optional(),
    patientId: z.string().max(64).optional().describe('Original Patient ID: keys the date shift of the report (checked against the study) and is searched for in it'),
    issuerOfPatientId: z.string().max(64).optional(),
    accessionNumber: z.string().max(64).optional(),
    patientName: z.string().max(200).optional(),
  })
  .strict();

export const LabelRowStatusSchema = z
  .enum(['matched', 'invalid_row', 'bad_label', 'unknown_study', 'duplicate_study', 'patient_mismatch', 'report_rejected'])
  .describe('matched: stored (or would be, had every row matched); otherwise why the row was refused');

/** The per-row outcome; `message` never repeats a value from the row (it may be PHI). */
export const LabelRowResultSchema = z.object({
  line: z.number().int().min(1),
  status: LabelRowStatusSchema,
  studyId: z.uuid().nullable().describe('The de-identified study the row matched'),
  matchedBy: z.enum(['uploaded_uid', 'deidentified_uid']).nullable(),
  message: z.string().optional(),
  problems: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});

export const LabelImportResultSchema = z
  .object({
    datasetId: z.uuid(),
    committed: z.boolean().describe('true: every row was stored in one transaction; false: nothing was stored'),
    rows: z.number().int(),
    matched: z.number().int(),
    replaced: z.number().int().describe('Studies whose earlier labels this import replaced'),
    results: z.array(LabelRowResultSchema),
  })
  .meta({ id: 'LabelImportResult' });

export const SplitFractionSchema = z.number().min(0).max(0.5);

export const CreateSnapshotBodySchema = z
  .object({
    seed: z.number().int().min(0).max(2 ** 31 - 1),
    split: z.object({ val: SplitFractionSchema, test: SplitFractionSchema }).strict().refine((s) => s.val + s.test < 1, 'val + test must leave a train split'),
  })
  .strict();

export const SplitNameSchema = z.enum(['train', 'val', 'test']);

export const SplitStatsSchema = z.object({
  studies: z.number().int(),
  patients: z.number().int(),
  positives: z.record(FindingNameSchema, z.number().int()).describe('Studies with the finding = 1'),
});

export const SnapshotStatsSchema = z.object({
  train: SplitStatsSchema,
  val: SplitStatsSchema,
  test: SplitStatsSchema,
  excluded: z.object({
    burnedIn: z.number().int().describe('Studies whose every image is flagged for burned-in text'),
    noImage: z.number().int().describe('Labelled studies with no READY image'),
  }),
});

export const DatasetSnapshotSchema = z
  .object({
    id: z.uuid(),
    datasetId: z.uuid(),
    orgId: z.uuid(),
    projectId: z.uuid(),
    seed: z.number().int(),
    split: z.object({ val: z.number(), test: z.number() }),
    labelNames: z.array(FindingNameSchema),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    manifests: z.object({ train: z.string(), val: z.string(), test: z.string(), snapshot: z.string() }).describe('Object keys'),
    stats: SnapshotStatsSchema,
    createdAt: TimestampSchema,
  })
  .meta({ id: 'DatasetSnapshot' });

export const SnapshotParamsSchema = z.object({ id: z.uuid(), sid: z.uuid() });

export const SnapshotRowsQuerySchema = z.object({
  split: z.enum(['train', 'val']).describe('The sealed test split is never listed'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().min(1).optional(),
});

/**
 * One line of a snapshot manifest ({train,val,test}.jsonl), the trainer's manifest format
 * (services/trainer dataset.py) plus `studyId`; `file` is an object key in the platform's store.
 * GET .../snapshots/{sid}/rows lists these for train and val only.
 */
export const SnapshotManifestRowSchema = z.object({
  studyId: z.uuid(),
  file: z.string().describe('Object key of the de-identified instance'),
  report: z.string(),
  labels: z.record(FindingNameSchema, z.union([z.literal(0), z.literal(1)])),
  sex: z.string(),
  ageBand: z.string(),
  site: z.string(),
}).meta({ id: 'SnapshotManifestRow' });

export const SnapshotManifestFileSchema = z.object({
  key: z.string().describe('Object key'),
  sha256: z.string().regex(/^[0-9a-f]{64}$/).describe('SHA-256 of the file bytes'),
  rows: z.number().int(),
});

/**
 * snapshot.json beside the manifests. `sha256` = SHA-256 of the ASCII text
 * `train <sha256 of train.jsonl>\nval <sha256 of val.jsonl>\ntest <sha256 of test.jsonl>\n` (lowercase hex).
 */
export const SnapshotMetadataSchema = z.object({
  schemaVersion: z.literal(1),
  id: z.uuid(),
  datasetId: z.uuid(),
  orgId: z.uuid(),
  projectId: z.uuid(),
  task: DatasetTaskSchema,
  seed: z.number().int(),
  split: z.object({ val: z.number(), test: z.number() }),
  labelNames: z.array(FindingNameSchema),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  files: z.object({ train: SnapshotManifestFileSchema, val: SnapshotManifestFileSchema, test: SnapshotManifestFileSchema }),
  stats: SnapshotStatsSchema,
  createdAt: TimestampSchema,
});

export type CreateDatasetBody = z.infer<typeof CreateDatasetBodySchema>;
export type DatasetDto = z.infer<typeof DatasetSchema>;
export type LabelRow = z.infer<typeof LabelRowSchema>;
export type LabelRowResult = z.infer<typeof LabelRowResultSchema>;
export type LabelImportResult = z.infer<typeof LabelImportResultSchema>;
export type CreateSnapshotBody = z.infer<typeof CreateSnapshotBodySchema>;
export type SnapshotStats = z.infer<typeof SnapshotStatsSchema>;
export type SplitStats = z.infer<typeof SplitStatsSchema>;
export type DatasetSnapshotDto = z.infer<typeof DatasetSnapshotSchema>;
export type SnapshotManifestRow = z.infer<typeof SnapshotManifestRowSchema>;
export type SnapshotMetadata = z.infer<typeof SnapshotMetadataSchema>;
