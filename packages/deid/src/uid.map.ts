// UID mapping: 2.25.<decimal of the first 128 bits of HMAC(secret, uid)> (PS3.5 B.2 "UUID-derived"
// UIDs), so the same input UID maps to the same output UID across files, series and uploads.
import { keyedDigest } from './hmac.ts';

/** UIDs under the DICOM root are classes, transfer syntaxes, coding schemes...: never instance UIDs. */
export function isWellKnownUid(uid: string): boolean {
  return uid.startsWith('1.2.840.10008.');
}

/** Deterministic replacement UID for an instance UID; well-known UIDs are returned unchanged. */
export function mapUid(secret: Buffer, uid: string, cache?: Map<string, string>): string {
  const clean = uid.replace(/[\0 ]+$/, '');
  if (clean === '' || isWellKnownUid(clean)) return clean;
  const hit = cache?.get(clean);
  if (hit !== undefined) return hit;
  const digest = keyedDigest(secret, 'uid', clean);
  const mapped = `2.25.${BigInt(`0x${digest.subarray(0, 16).toString('hex')}`).toString(10)}`;
  cache?.set(clean, mapped);
  return mapped;
}
