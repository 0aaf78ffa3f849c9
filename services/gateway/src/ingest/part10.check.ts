// Gateway-side validation of one uploaded object before anything is stored: a Part 10 file
// (preamble, DICM, meta group) whose transfer syntax we know and whose data set parses to the
// end. Reasons are codes plus fix-it messages; no header value ever appears in them.
import { limitMessage, type InstanceLimitCode } from '@medgrade/contracts';
import { DicomError, parseDicomAsync, Tags } from '@medgrade/dicom';

// Uncompressed, deflated and the encapsulated pixel encodings of PS3.5 Annex A / PS3.6 Table A-1.
const KNOWN_TRANSFER_SYNTAXES = new Set([
  '1.2.840.10008.1.2', '1.2.840.10008.1.2.1', '1.2.840.10008.1.2.1.99', '1.2.840.10008.1.2.2',
  '1.2.840.10008.1.2.4.50', '1.2.840.10008.1.2.4.51', '1.2.840.10008.1.2.4.57', '1.2.840.10008.1.2.4.70',
  '1.2.840.10008.1.2.4.80', '1.2.840.10008.1.2.4.81', '1.2.840.10008.1.2.4.90', '1.2.840.10008.1.2.4.91',
  '1.2.840.10008.1.2.4.92', '1.2.840.10008.1.2.4.93', '1.2.840.10008.1.2.4.100', '1.2.840.10008.1.2.4.101',
  '1.2.840.10008.1.2.4.102', '1.2.840.10008.1.2.4.103', '1.2.840.10008.1.2.4.104', '1.2.840.10008.1.2.4.105',
  '1.2.840.10008.1.2.4.106', '1.2.840.10008.1.2.4.201', '1.2.840.10008.1.2.4.202', '1.2.840.10008.1.2.4.203',
  '1.2.840.10008.1.2.5',
]);

/** A validated upload: the UIDs the response and the de-identified index key on. */
export interface Part10Ok {
  ok: true;
  sopClassUid: string;
  sopInstanceUid: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  transferSyntaxUid: string;
}

/** Why an upload was refused, as a stable code and a message that says what to fix. */
export interface Part10Refused {
  ok: false;
  code: 'NOT_DICOM' | 'NOT_PART10' | 'TRUNCATED' | 'MALFORMED' | 'UNKNOWN_TRANSFER_SYNTAX' | 'MISSING_UIDS' | 'STUDY_UID_MISMATCH' | InstanceLimitCode;
  message: string;
}

const DICOM_CODES: Record<string, Part10Refused['code']> = {
  NOT_DICOM: 'NOT_DICOM',
  TRUNCATED: 'TRUNCATED',
  UNSUPPORTED_TRANSFER_SYNTAX: 'UNKNOWN_TRANSFER_SYNTAX',
};

function refused(code: Part10Refused['code'], message: string): Part10Refused {
  return { ok: false, code, message };
}

/**
 * Parses the whole object (header work only) and checks what de-identification relies on. A
 * deflated data set is inflated off the event loop and refused (INFLATED_TOO_LARGE) as soon as it
 * passes maxInflatedBytes, so a bomb never reaches the object store or the queue.
 */
export async function checkPart10(bytes: Uint8Array, maxInflatedBytes: number): Promise<Part10Ok | Part10Refused> {
  if (bytes.length < 132 || Buffer.from(bytes.subarray(128, 132)).toString('latin1') !== 'DICM') {
    return refused('NOT_PART10', 'not a DICOM Part 10 file: expected a 128-byte preamble and "DICM" (send files as written by a DICOM toolkit, with their file meta header)');
  }
  let file;
  try {
    file = await parseDicomAsync(bytes, { maxInflatedBytes });
  } catch (error) {
    if (!(error instanceof DicomError)) throw error;
    if (error.code === 'TOO_LARGE') return refused('INFLATED_TOO_LARGE', limitMessage('INFLATED_TOO_LARGE', maxInflatedBytes));
    const code = DICOM_CODES[error.code] ?? 'MALFORMED';
    return refused(code, `the DICOM file could not be read (${error.code}): ${code === 'TRUNCATED' ? 'the file is truncated; upload the complete file' : 're-export it from the source system'}`);
  }
  if (!KNOWN_TRANSFER_SYNTAXES.has(file.transferSyntaxUid)) {
    return refused('UNKNOWN_TRANSFER_SYNTAX', 'the transfer syntax is not a standard DICOM one: re-export with explicit VR little endian');
  }
  const sopClassUid = file.dataset.getString(Tags.SOPClassUID)?.trim();
  const sopInstanceUid = file.dataset.getString(Tags.SOPInstanceUID)?.trim();
  const studyInstanceUid = file.dataset.getString(0x0020000d)?.trim();
  const seriesInstanceUid = file.dataset.getString(0x0020000e)?.trim();
  if (!sopClassUid || !sopInstanceUid || !studyInstanceUid || !seriesInstanceUid) {
    return refused('MISSING_UIDS', 'SOP Class, SOP Instance, Study Instance and Series Instance UIDs are all required');
  }
  return { ok: true, sopClassUid, sopInstanceUid, studyInstanceUid, seriesInstanceUid, transferSyntaxUid: file.transferSyntaxUid };
}
