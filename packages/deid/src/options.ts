// Per-project de-identification options: the option columns of PS3.15 Table E.1-1. The INGEST
// service mirrors DeidOptions in a zod schema for the project settings API, so keep it JSON-plain.

/** A private element kept under Retain Safe Private: (group, private creator, element byte 0x00-0xFF). */
export interface SafePrivateTag {
  /** Odd group number, e.g. 0x0019. */
  group: number;
  /** Private Creator value that reserves the block, e.g. "SIEMENS MR HEADER". */
  creator: string;
  /** Element offset inside the block (low byte of the element number), e.g. 0x0c. */
  element: number;
}

/** De-identification options; everything off is the Basic Application Level Confidentiality Profile. */
export interface DeidOptions {
  retainPatientCharacteristics: boolean;
  /** Retain Longitudinal Temporal Information: off (dates removed/emptied), full dates, or shifted dates. */
  retainLongitudinalTemporal: 'off' | 'full' | 'modified';
  retainDeviceIdentity: boolean;
  retainInstitutionIdentity: boolean;
  retainUIDs: boolean;
  /** Retain Safe Private: the allow-list; empty means the option is off and all private data goes. */
  retainSafePrivate: readonly SafePrivateTag[];
  cleanDescriptors: boolean;
  cleanStructuredContent: boolean;
  cleanGraphics: boolean;
}

/** Project defaults: basic profile + Retain Patient Characteristics + Modified Dates (ARCHITECTURE.md). */
export const DEFAULT_DEID_OPTIONS: Readonly<DeidOptions> = Object.freeze({
  retainPatientCharacteristics: true,
  retainLongitudinalTemporal: 'modified',
  retainDeviceIdentity: false,
  retainInstitutionIdentity: false,
  retainUIDs: false,
  retainSafePrivate: [],
  cleanDescriptors: false,
  cleanStructuredContent: false,
  cleanGraphics: false,
});

/** What the engine does when the header says burned-in text is likely. */
export type BurnedInPolicy = 'reject' | 'quarantine' | 'flag';

/** Per-call context: the project's secret keys every surrogate; never logged. */
export interface DeidContext {
  /** Project secret (>= 16 bytes) for HMAC-SHA256 surrogates, UID mapping and date shifts. */
  secret: Buffer;
  /** Default 'quarantine'. */
  burnedInPolicy?: BurnedInPolicy;
  /**
   * A person reviewed this file's burned-in risk and accepted its pixel data (the review flow):
   * it is stored whatever the policy, flagged, and DeidentificationMethod records the review.
   */
  burnedInReviewed?: boolean;
  /** Largest inflated data set of a deflated input (and its output); larger throws TOO_LARGE. */
  maxInflatedBytes?: number;
  /**
   * A buffer to write the output into when it fits: DeidResult.output (and `verified`) are then
   * views of it, valid until the caller reuses it. For loops that write each output before the
   * next file (medgrade deid).
   */
  outputInto?: Uint8Array;
}

/** Fills unspecified options from the defaults (for callers that store partial settings). */
export function resolveOptions(partial: Partial<DeidOptions> = {}): DeidOptions {
  return { ...DEFAULT_DEID_OPTIONS, ...partial };
}
