// Executable form of docs/model-bundle.md (version 1). The Python exporter in services/trainer
// writes exactly this shape; any change here must change that page in the same commit.
import { z } from 'zod';

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lowercase hex SHA-256');

/** A bundle file path: a plain name inside the bundle folder, never a path that escapes it. */
const bundlePath = z.string().regex(/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/, 'must be a relative path inside the bundle').refine((p) => !p.split('/').includes('..'), 'must not contain ..');

export const BundleFileSchema = z.object({ path: bundlePath, sha256: sha256Hex, bytes: z.number().int().nonnegative() });

export const WindowSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('header') }),
  z.object({ mode: z.literal('minmax') }),
  z.object({ mode: z.literal('fixed'), center: z.number(), width: z.number().positive() }),
]);

export const PreprocessingSchema = z.object({
  window: WindowSchema,
  invertMonochrome1: z.boolean(),
  resize: z.object({ method: z.literal('bilinear') }),
  normalize: z.object({ mean: z.number(), std: z.number().positive() }),
});

export const DecoderSpecSchema = z.object({
  layers: z.number().int().positive(),
  heads: z.number().int().positive(),
  headDim: z.number().int().positive(),
  vocabSize: z.number().int().positive(),
  maxLength: z.number().int().positive(),
});

export const TrainingSchema = z.object({
  mode: z.string(),
  baseModel: z.string().nullable(),
  datasetSha256: z.string().nullable(),
  seed: z.number().int(),
  steps: z.number().int().nonnegative(),
  hyperparameters: z.record(z.string(), z.unknown()),
  codeVersion: z.string(),
  durationS: z.number().nonnegative(),
});

/** Where a fine-tuned bundle came from, written by the evaluation gate's export (`--lineage`). */
export const LineageSchema = z.looseObject({
  finetuneJobId: z.string(),
  datasetSnapshotId: z.string(),
  datasetSnapshotSha256: z.string(),
  baseModelVersionId: z.string(),
  baseModel: z.string().describe('name@version'),
  method: z.string(),
  hyperparameters: z.record(z.string(), z.unknown()),
  seed: z.number().int(),
  codeVersion: z.string(),
});

export const TASKS = ['report-generation', 'classification'] as const;

export const ManifestSchema = z
  .object({
    schemaVersion: z.literal(1),
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,99}$/, 'lowercase letters, digits, ".", "_" or "-"'),
    version: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, ".", "_" or "-"'),
    task: z.enum(TASKS),
    description: z.string().optional(),
    input: z.object({
      modality: z.array(z.string()).min(1),
      channels: z.number().int().positive(),
      height: z.number().int().positive(),
      width: z.number().int().positive(),
    }),
    preprocessing: PreprocessingSchema,
    decoder: DecoderSpecSchema.optional(),
    generation: z.object({ strategy: z.literal('greedy'), maxNewTokens: z.number().int().positive() }).optional(),
    labels: z.array(z.string().min(1)).optional(),
    files: z.array(BundleFileSchema).min(1),
    training: TrainingSchema.optional(),
    lineage: LineageSchema.optional(),
    createdAt: z.string(),
  })
  .superRefine((m, ctx) => {
    if (m.task === 'report-generation' && (!m.decoder || !m.generation)) {
      ctx.addIssue({ code: 'custom', message: 'report-generation bundles need "decoder" and "generation"', path: ['decoder'] });
    }
    if (m.task === 'classification' && !m.labels?.length) {
      ctx.addIssue({ code: 'custom', message: 'classification bundles need "labels"', path: ['labels'] });
    }
    const seen = new Set<string>();
    for (const f of m.files) {
      if (f.path === 'manifest.json') ctx.addIssue({ code: 'custom', message: 'files must not list manifest.json', path: ['files'] });
      if (seen.has(f.path)) ctx.addIssue({ code: 'custom', message: `file ${f.path} listed twice`, path: ['files'] });
      seen.add(f.path);
    }
  });

export type Manifest = z.infer<typeof ManifestSchema>;
export type Preprocessing = z.infer<typeof PreprocessingSchema>;
export type DecoderSpec = z.infer<typeof DecoderSpecSchema>;

export const TokenizerSchema = z.object({
  type: z.literal('word'),
  lowercase: z.boolean(),
  vocab: z.array(z.string()).min(4),
  pad: z.number().int().nonnegative(),
  bos: z.number().int().nonnegative(),
  eos: z.number().int().nonnegative(),
  unk: z.number().int().nonnegative(),
});
export type TokenizerSpec = z.infer<typeof TokenizerSchema>;
