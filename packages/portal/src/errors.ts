// What the portal shows for a failed call: the API's own message and code (MedgradeError from
// the SDK) and the request id to quote to an operator; never a stack or a request body.
import { MedgradeError } from '@medgrade/sdk';

export interface ShownError {
  message: string;
  code?: string;
  status?: number;
  requestId?: string;
}

/** Turn anything thrown into what the error banner shows. */
export function shownError(error: unknown): ShownError {
  if (error instanceof MedgradeError) {
    return { message: error.message, code: error.code, status: error.status, ...(error.requestId ? { requestId: error.requestId } : {}) };
  }
  if (error instanceof DOMException && error.name === 'AbortError') return { message: 'Cancelled' };
  return { message: error instanceof Error ? error.message : String(error) };
}
