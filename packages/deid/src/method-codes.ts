// CID 7050 "De-identification Method" codes (PS3.16, scheme DCM) recorded in
// DeidentificationMethodCodeSequence, and the words written to DeidentificationMethod.
import type { DeidOptions } from './options.ts';

/** A coded entry of CID 7050. */
export interface MethodCode {
  value: string;
  meaning: string;
}

export const CID7050 = {
  basicProfile: { value: '113100', meaning: 'Basic Application Confidentiality Profile' },
  cleanPixelData: { value: '113101', meaning: 'Clean Pixel Data Option' },
  cleanRecognizableVisualFeatures: { value: '113102', meaning: 'Clean Recognizable Visual Features Option' },
  cleanGraphics: { value: '113103', meaning: 'Clean Graphics Option' },
  cleanStructuredContent: { value: '113104', meaning: 'Clean Structured Content Option' },
  cleanDescriptors: { value: '113105', meaning: 'Clean Descriptors Option' },
  retainLongitudinalFullDates: { value: '113106', meaning: 'Retain Longitudinal Temporal Information Full Dates Option' },
  retainLongitudinalModifiedDates: { value: '113107', meaning: 'Retain Longitudinal Temporal Information Modified Dates Option' },
  retainPatientCharacteristics: { value: '113108', meaning: 'Retain Patient Characteristics Option' },
  retainDeviceIdentity: { value: '113109', meaning: 'Retain Device Identity Option' },
  retainUIDs: { value: '113110', meaning: 'Retain UIDs Option' },
  retainSafePrivate: { value: '113111', meaning: 'Retain Safe Private Option' },
  retainInstitutionIdentity: { value: '113112', meaning: 'Retain Institution Identity Option' },
} as const satisfies Record<string, MethodCode>;

/** The codes for the profile and every enabled option, in CID order. */
export function methodCodes(options: DeidOptions): MethodCode[] {
  const on: [boolean, MethodCode][] = [
    [true, CID7050.basicProfile],
    [options.cleanGraphics, CID7050.cleanGraphics],
    [options.cleanStructuredContent, CID7050.cleanStructuredContent],
    [options.cleanDescriptors, CID7050.cleanDescriptors],
    [options.retainLongitudinalTemporal === 'full', CID7050.retainLongitudinalFullDates],
    [options.retainLongitudinalTemporal === 'modified', CID7050.retainLongitudinalModifiedDates],
    [options.retainPatientCharacteristics, CID7050.retainPatientCharacteristics],
    [options.retainDeviceIdentity, CID7050.retainDeviceIdentity],
    [options.retainUIDs, CID7050.retainUIDs],
    [options.retainSafePrivate.length > 0, CID7050.retainSafePrivate],
    [options.retainInstitutionIdentity, CID7050.retainInstitutionIdentity],
  ];
  return on.filter(([enabled]) => enabled).map(([, code]) => code);
}

/** DeidentificationMethod values (LO, VM 1-n, <= 64 chars each): the profile and options in words. */
export function methodDescription(options: DeidOptions): string[] {
  return methodCodes(options).map((c) => c.meaning);
}

/** DeidentificationMethod value added when a reviewer accepted a file's burned-in risk (LO, <= 64 chars). */
export const BURNED_IN_REVIEWED_METHOD = 'Burned-in text risk reviewed, pixel data kept by reviewer';
