// Until the evaluation gate (packages/training evaluation/, issue 11 item 4) is composed here, a
// job whose training succeeded fails evaluation with this message instead of pretending to pass.
import type { CandidateEvaluator } from '@medgrade/training';

export const unavailableEvaluator: CandidateEvaluator = {
  evaluate() {
    return Promise.reject(new Error('the evaluation gate is not composed into this orchestrator build: the trained weights are kept under the job, evaluate them once it is'));
  },
};
