// @medgrade/deid: PS3.15 Annex E de-identification (Table E.1-1 and its options), deterministic
// surrogates, UID and date mapping, and the verification gate.
export { deidentify, releasableOutput, type DeidResult } from './deidentify.ts';
export { DEFAULT_DEID_OPTIONS, resolveOptions, type DeidOptions, type DeidContext, type BurnedInPolicy, type SafePrivateTag } from './options.ts';
export { DeidError, type DeidErrorCode } from './deid.error.ts';
export type { DeidReport } from './report.ts';
export type { Action } from './action.resolve.ts';
export type { BurnedInAssessment, BurnedInDecision } from './burned-in.ts';
export { BURNED_IN_REVIEWED_METHOD, CID7050, methodCodes, type MethodCode } from './method-codes.ts';
export { mapUid, isWellKnownUid } from './uid.map.ts';
export { PROFILE_SIZE } from './profile.ts';
export { patientKey, patientShiftDays, type PatientKeyParts } from './date.shift.ts';
export { surrogatePatientId } from './surrogate.ts';
export { deidentifyReport, reportNeedles, type ReportDatePolicy, type ReportDeidResult, type ReportIdentifiers, type ReportRefusal } from './report.text.ts';
