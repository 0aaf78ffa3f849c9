// Typed failures of the engine. Messages and fields name tags and codes, never header values.
import type { DicomErrorCode } from '@medgrade/dicom';

/** DICOM parse/write codes pass through unchanged so callers see why the input was unreadable. */
export type DeidErrorCode =
  | DicomErrorCode
  | 'NOT_AN_INSTANCE' // no SOP Class/Instance UID, or a DICOMDIR (its file IDs are paths that may carry PHI)
  | 'BURNED_IN_REJECTED'
  | 'BURNED_IN_REVIEW' // the project's policy holds the file for a person's review before any use
  | 'VERIFICATION_FAILED'
  | 'BAD_SECRET';

/** Why a file was not de-identified; `tag` is the offending attribute as "(gggg,eeee)" when known. */
export class DeidError extends Error {
  readonly code: DeidErrorCode;
  readonly tag: string | undefined;

  constructor(code: DeidErrorCode, message: string, tag?: string) {
    super(message);
    this.name = 'DeidError';
    this.code = code;
    this.tag = tag;
  }
}
