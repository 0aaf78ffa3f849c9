// Typed errors of this package. Each carries a stable `code` the services map to HTTP statuses
// through packages/contracts; messages say what to fix and never contain PHI.

/** A model bundle that must not be stored or loaded, with every problem found. */
export class BundleInvalidError extends Error {
  readonly code = 'BUNDLE_INVALID';
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`model bundle is invalid: ${problems.join('; ')}`);
    this.name = 'BundleInvalidError';
    this.problems = problems;
  }
}

/** An input the model cannot take (wrong modality, unsupported prompt, empty study). */
export class ModelInputError extends Error {
  readonly code = 'MODEL_INPUT_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'ModelInputError';
  }
}
