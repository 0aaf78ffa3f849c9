// The registry's lifecycle: draft → validated → released → retired. A version becomes validated
// only through the evaluation gate (a fine-tuning job's candidate that passed it); releasing needs
// validated, or an explicit, audited override with a reason (e.g. the committed reference model,
// which has no base to be compared against). Retiring works from any live state.
import { ConflictError, ModelNotValidatedError } from '@medgrade/contracts';
import type { ModelVersionStatus } from '@medgrade/db';

export type StatusAction = 'release' | 'retire';

export interface StatusChange {
  to: ModelVersionStatus;
  /** True when a draft was released without passing the gate (recorded in the audit event). */
  override: boolean;
}

/** The status a version moves to; throws 409 when the move is not allowed. */
export function nextStatus(action: StatusAction, from: ModelVersionStatus, override = false): StatusChange {
  if (action === 'retire') {
    if (from === 'RETIRED') throw new ConflictError('A retired version cannot be retired');
    return { to: 'RETIRED', override: false };
  }
  if (from === 'VALIDATED') return { to: 'RELEASED', override: false };
  if (from === 'DRAFT') {
    if (!override) throw new ModelNotValidatedError();
    return { to: 'RELEASED', override: true };
  }
  throw new ConflictError(`A ${from.toLowerCase()} version cannot be released`);
}
