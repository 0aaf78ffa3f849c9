// The seam between the training orchestrator and the evaluation gate into the model registry.
// The orchestrator calls `evaluate` once an attempt's training succeeded; the evaluator scores the
// candidate and the base model on the snapshot's sealed test split, exports and registers the
// candidate as a DRAFT ModelVersion with lineage, applies the gate policy and, on a pass, marks the
// version VALIDATED. Never carries PHI.

export interface EvaluationInput {
  jobId: string;
  orgId: string;
  projectId: string | null;
  /** Object key of the trained weights (trainer's final model.pt). */
  weightsKey: string;
  baseModelVersionId: string;
  snapshot: { id: string; sha256: string; testManifestKey: string };
  method: 'full' | 'lora';
  hyperparameters: Record<string, unknown>;
  /** The job's gate overrides, validated by the evaluator. */
  gate?: Record<string, unknown>;
  seed: number;
  /** finetune/<orgId>/<jobId>/evaluation/ */
  outputPrefix: string;
}

export interface EvaluationOutcome {
  modelVersionId: string;
  version: string;
  status: 'VALIDATED' | 'DRAFT';
  gate: { passed: boolean; checks: { name: string; passed: boolean; detail: string }[] };
}

/** Idempotent per jobId: a re-run after a crash registers the same version once. */
export interface CandidateEvaluator {
  evaluate(input: EvaluationInput, signal?: AbortSignal): Promise<EvaluationOutcome>;
}
