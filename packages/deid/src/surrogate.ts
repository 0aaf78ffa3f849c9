// "Hiding in plain sight" replacements: real-looking, deterministic per project secret.
import { keyedDigest } from './hmac.ts';
import { FAMILY, FEMALE_GIVEN, MALE_GIVEN, NEUTRAL_GIVEN } from './names.data.ts';

/** Patient sex as DICOM codes it (0010,0040); anything else is treated as unknown. */
export type Sex = 'M' | 'F' | 'O' | '';

function pick(list: readonly string[], digest: Buffer, at: number): string {
  return list[digest.readUInt32BE(at) % list.length] as string;
}

function digits(digest: Buffer, at: number, count: number): string {
  const n = digest.readBigUInt64BE(at) % 10n ** BigInt(count);
  return n.toString(10).padStart(count, '0');
}

/** PN "FAMILY^GIVEN" whose given name matches the sex; the original name keys the choice. */
export function surrogateName(secret: Buffer, original: string, sex: Sex): string {
  const d = keyedDigest(secret, 'name', original.trim().toUpperCase());
  const given = sex === 'F' ? FEMALE_GIVEN : sex === 'M' ? MALE_GIVEN : NEUTRAL_GIVEN;
  return `${pick(FAMILY, d, 0)}^${pick(given, d, 4)}`;
}

/** LO patient ID: "MG" + 8 digits (the prefix marks the issuer as medgrade, the digits look clinical). */
export function surrogatePatientId(secret: Buffer, original: string): string {
  return `MG${digits(keyedDigest(secret, 'patient-id', original.trim()), 0, 8)}`;
}

/** SH accession number: "A" + 9 digits. */
export function surrogateAccession(secret: Buffer, original: string): string {
  return `A${digits(keyedDigest(secret, 'accession', original.trim()), 0, 9)}`;
}

/** Generic short identifier (SH/LO dummies for IDs such as Study ID): 8 digits. */
export function surrogateId(secret: Buffer, original: string): string {
  return digits(keyedDigest(secret, 'id', original.trim()), 0, 8);
}

/** AE title for "clean" AE attributes: "AE" + 8 uppercase hex digits (AE max 16 chars). */
export function surrogateAeTitle(secret: Buffer, original: string): string {
  return `AE${keyedDigest(secret, 'ae', original.trim()).subarray(0, 4).toString('hex').toUpperCase()}`;
}
