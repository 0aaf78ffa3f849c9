import { z } from 'zod';

// The evaluation gate into the model registry (issue 11): the trainer's evaluation report, the
// gate policy a fine-tuning job may override, and the validation record stored on a model version.

const Ci95Schema = z.tuple([z.number(), z.number()]).describe('percentile bootstrap 95% interval [low, high]');
const MetricSchema = z.object({ value: z.number(), ci95: Ci95Schema });

export const FindingMetricsSchema = z.object({
  precision: z.number(),
  recall: z.number(),
  f1: z.number(),
  support: z.number().int().nonnegative().describe('positive studies of this finding in the test split'),
  f1Ci95: Ci95Schema,
});

export const EvaluationSummarySchema = z.object({
  n: z.number().int().nonnegative(),
  exactMatch: MetricSchema.describe('share of studies whose generated report equals the reference exactly'),
  macroF1: MetricSchema.describe('mean over findings of the F1 of the findings read back from the generated text'),
  findings: z.record(z.string(), FindingMetricsSchema),
});

/** What `medgrade_trainer evaluate` writes (services/trainer metrics.py); extra keys are kept. */
export const EvaluationReportSchema = z.looseObject({
  overall: EvaluationSummarySchema,
  subgroups: z.record(z.string(), z.record(z.string(), EvaluationSummarySchema)).describe('by sex, ageBand and site'),
  bootstrap: z.object({ resamples: z.number().int().positive(), seed: z.number().int(), interval: z.string() }),
});

/** The thresholds of the gate; every field has a default (DEFAULT_GATE_POLICY). */
export const GatePolicySchema = z
  .object({
    exactMatchMargin: z.number().min(0).max(1).describe('candidate lower 95% bound of exact match must be ≥ base point estimate − this'),
    macroF1Margin: z.number().min(0).max(1).describe('candidate lower 95% bound of macro-F1 must be ≥ base point estimate − this'),
    maxFindingF1Drop: z.number().min(0).max(1).describe('no finding of the base may lose more F1 than this'),
    minSubgroupN: z.number().int().min(1).max(100000).describe('subgroups with fewer test studies are reported but not checked'),
    maxSubgroupGapWidening: z.number().min(0).max(1).describe('the exact-match gap between checked subgroups may widen by at most this over the base'),
  })
  .strict();

/** A job's `gate`: any subset of the policy; unknown keys are refused. */
export const GateOverridesSchema = GatePolicySchema.partial().strict().describe('overrides of the evaluation gate thresholds');

export const DEFAULT_GATE_POLICY: GatePolicy = {
  exactMatchMargin: 0,
  macroF1Margin: 0,
  maxFindingF1Drop: 0.05,
  minSubgroupN: 30,
  maxSubgroupGapWidening: 0.05,
};

export const GateCheckSchema = z.object({ name: z.string(), passed: z.boolean(), detail: z.string() });
export const GateResultSchema = z.object({ passed: z.boolean(), checks: z.array(GateCheckSchema) });

/** Stored on a model version registered by a fine-tuning job: the gate's decision and both evaluations. */
export const ModelValidationSchema = z
  .object({
    finetuneJobId: z.uuid(),
    policy: GatePolicySchema,
    gate: GateResultSchema,
    testSnapshot: z.object({ id: z.string(), sha256: z.string(), n: z.number().int().nonnegative() }),
    bootstrapSeed: z.number().int(),
    candidate: EvaluationReportSchema,
    base: EvaluationReportSchema.extend({ modelVersionId: z.uuid(), version: z.string() }),
  })
  .meta({ id: 'ModelValidation' });

export type GatePolicy = z.infer<typeof GatePolicySchema>;
export type GateOverrides = z.infer<typeof GateOverridesSchema>;
export type GateResult = z.infer<typeof GateResultSchema>;
export type GateCheck = z.infer<typeof GateCheckSchema>;
export type EvaluationReport = z.infer<typeof EvaluationReportSchema>;
export type EvaluationSummary = z.infer<typeof EvaluationSummarySchema>;
export type ModelValidation = z.infer<typeof ModelValidationSchema>;
