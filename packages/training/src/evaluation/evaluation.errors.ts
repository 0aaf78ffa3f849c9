/** Why an evaluation could not decide; `retryable` tells the orchestrator whether to try again. */
export type EvaluationErrorCode = 'GATE_INVALID' | 'BASE_MODEL_NOT_FOUND' | 'ARTIFACT_MISSING' | 'TRAINER_FAILED' | 'ABORTED';

export class EvaluationError extends Error {
  readonly code: EvaluationErrorCode;
  readonly retryable: boolean;
  constructor(code: EvaluationErrorCode, message: string, retryable: boolean, options?: ErrorOptions) {
    super(message, options);
    this.name = 'EvaluationError';
    this.code = code;
    this.retryable = retryable;
  }
}
