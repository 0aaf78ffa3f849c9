// What the candidate evaluator needs from the rest of the platform, as small interfaces the
// training orchestrator's main passes in: the model registry (packages/registry CandidateVersions)
// and the trainer process (trainer.process.ts). The object store is @medgrade/storage's.
import type { ModelValidation } from '@medgrade/contracts';

export type VersionStatus = 'DRAFT' | 'VALIDATED' | 'RELEASED' | 'RETIRED';

/** The model version a job fine-tuned, as the registry stores it. */
export interface BaseModelVersion {
  id: string;
  modelId: string;
  name: string;
  version: string;
  /** Object-store prefix of its bundle (pytorch_model.pt lives there). */
  objectPrefix: string;
}

export interface RegisteredVersion {
  id: string;
  version: string;
  status: VersionStatus;
  /** The stored validation record (ModelValidationSchema), null for versions no gate saw. */
  validation: unknown;
}

export interface CandidateRegistration {
  orgId: string;
  projectId: string | null;
  jobId: string;
  base: BaseModelVersion;
  /** The exported bundle, keyed by path inside it (manifest.json included). */
  files: ReadonlyMap<string, Uint8Array>;
  validation: ModelValidation;
}

export interface CandidateRegistry {
  /** The job's base version within its organization, or null when it is gone. */
  baseVersion(orgId: string, modelVersionId: string): Promise<BaseModelVersion | null>;
  /** A version of the base model by its version string (a job's earlier registration), or null. */
  findVersion(orgId: string, modelId: string, version: string): Promise<RegisteredVersion | null>;
  /**
   * Validates and stores the bundle, records it as a draft carrying `validation` (audited) and,
   * when the gate passed, marks it validated (audited) in the same transaction.
   */
  registerCandidate(c: CandidateRegistration): Promise<RegisteredVersion>;
}

/** Runs one trainer mode to its end: resolves with the `done` event, rejects with the `error` event. */
export interface TrainerRunner {
  run(mode: 'evaluate' | 'export', args: string[], signal?: AbortSignal): Promise<Record<string, unknown>>;
}
