/** Why a DICOM buffer could not be read or written. Messages never carry header values (PHI). */
export type DicomErrorCode =
  | 'NOT_DICOM'
  | 'TRUNCATED'
  | 'BAD_LENGTH'
  | 'BAD_STRUCTURE'
  | 'UNSUPPORTED_TRANSFER_SYNTAX'
  | 'BAD_VR'
  | 'BAD_VALUE'
  | 'TOO_DEEP'
  | 'TOO_LARGE'
  | 'CHARSET_UNSUPPORTED';

/** Typed error for malformed input or an impossible edit; `code` is stable, `message` says what is wrong. */
export class DicomError extends Error {
  readonly code: DicomErrorCode;
  /** Tag the problem was found at (uint32), when known. Tags are not PHI; values are never included. */
  readonly tag: number | undefined;

  constructor(code: DicomErrorCode, message: string, tag?: number) {
    super(message);
    this.name = 'DicomError';
    this.code = code;
    this.tag = tag;
  }
}
