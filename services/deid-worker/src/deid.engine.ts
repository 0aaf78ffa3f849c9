// packages/deid behind the Deidentifier port. Engine errors are facts about the input (not
// parseable, burned-in text the policy rejects, PHI left after de-identification): final, so
// they become a rejection with the engine's code; anything else is a bug or fault and throws.
import { summarizeInstance } from '@medgrade/dicom';
import { DeidError, deidentify, releasableOutput } from '@medgrade/deid';
import type { Deidentifier, DeidOutcome, DeidProject } from './ingest.ports.ts';

/** Code for instances held for human review of possible burned-in text (raw object kept). */
export const BURNED_IN_REVIEW = 'BURNED_IN_REVIEW';

/** Runs deidentify() and reads the index fields from its output; maxInflatedBytes bounds every parse. */
export function createDeidentifier(maxInflatedBytes?: number): Deidentifier {
  return {
    async run(input: Buffer, project: DeidProject, options = {}): Promise<DeidOutcome> {
      let result, output;
      try {
        result = deidentify(input, project.options, { secret: project.secret, burnedInPolicy: project.burnedInPolicy, maxInflatedBytes, burnedInReviewed: options.burnedInReviewed });
        output = releasableOutput(result);
      } catch (error) {
        // A file held for review keeps its raw object: the review flow decides (deid README).
        if (error instanceof DeidError) return { kind: 'rejected', code: error.code, keepRaw: error.code === BURNED_IN_REVIEW };
        throw error;
      }
      const { report, verified } = result;
      // The gate already parsed the output (with the same maxInflatedBytes): its parse is summarized.
      const summary = { ...summarizeInstance(verified), patientAgeBand: report.ageBand };
      return { kind: 'ok', output, summary, burnedInFlag: report.burnedIn.decision === 'flag' };
    },
  };
}
