import type { Rng } from './prng.ts';

/**
 * Fake but realistic patient identity. The names, ids and dates look real on purpose: the
 * de-identification pipeline must find and replace them, which it cannot prove on placeholders.
 */
export interface Patient {
  name: string;
  id: string;
  sex: 'M' | 'F';
  age: number;
  ageBand: AgeBand;
  birthDate: string;
  /** Body habitus factor around 1 (thorax width, soft-tissue thickness). */
  habitus: number;
}

export const AGE_BANDS = ['18-39', '40-64', '65+'] as const;
export type AgeBand = (typeof AGE_BANDS)[number];

const FAMILY = ['Smith', 'Johnson', 'Garcia', 'Nguyen', 'Okafor', 'Kowalski', 'Rossi', 'Müller', 'Haddad', 'Tanaka', 'Silva', 'Novak', 'Brown', 'Larsen', 'Dubois', 'Patel'];
const GIVEN_M = ['James', 'Ahmed', 'Luis', 'Pieter', 'Kenji', 'Tomasz', 'Marco', 'David', 'Samuel', 'Erik'];
const GIVEN_F = ['Maria', 'Aisha', 'Elena', 'Sofia', 'Yuki', 'Anna', 'Grace', 'Fatima', 'Ingrid', 'Chloe'];
const PHYSICIANS = ['Whitfield^Laura^^Dr', 'Osei^Kwame^^Dr', 'Lindqvist^Per^^Dr', 'Moreau^Claire^^Dr'];

export function ageBand(age: number): AgeBand {
  if (age < 40) return '18-39';
  return age < 65 ? '40-64' : '65+';
}

/** DICOM DA (YYYYMMDD) for a day counted from 1970-01-01. */
export function dicomDate(days: number): string {
  return new Date(days * 86_400_000).toISOString().slice(0, 10).replaceAll('-', '');
}

/** Samples a patient; the study day (days since epoch) fixes the birth date from the age. */
export function samplePatient(rng: Rng, studyDay: number): Patient {
  const sex = rng.chance(0.5) ? 'M' : 'F';
  const age = rng.int(18, 92);
  const given = rng.pick(sex === 'M' ? GIVEN_M : GIVEN_F);
  const middle = String.fromCharCode(65 + rng.int(0, 25));
  return {
    name: `${rng.pick(FAMILY)}^${given}^${middle}`,
    id: `MRN${String(rng.int(1_000_000, 9_999_999))}`,
    sex,
    age,
    ageBand: ageBand(age),
    birthDate: dicomDate(studyDay - age * 365 - rng.int(0, 364)),
    habitus: Math.min(1.25, Math.max(0.8, 1 + 0.08 * rng.normal() + (sex === 'M' ? 0.04 : -0.04))),
  };
}

export function samplePhysician(rng: Rng): string {
  return rng.pick(PHYSICIANS);
}
