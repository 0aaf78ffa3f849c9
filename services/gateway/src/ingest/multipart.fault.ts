// What busboy throws for a body that is not the multipart it claims (no boundary, a part header it
// cannot read, a body that ends early): the client's to fix, so a 400, never a 500.
import { AppError, BadRequestError } from '@medgrade/contracts';

/** True for busboy's refusal of a malformed or truncated multipart body. */
export function isMultipartFault(error: unknown): boolean {
  return error instanceof Error && !(error instanceof AppError) && /Unexpected end of (multipart|form)|Malformed part header|Boundary not found/i.test(error.message);
}

/** The 400 for such a body (details: e.g. the upload that holds what was taken before the fault). */
export function malformedMultipart(details?: Record<string, unknown>): BadRequestError {
  return new BadRequestError('The multipart/form-data body is malformed or ends early: send the complete form', details);
}
