// Table E.1-1 lookup: exact tags through a Map, repeating groups (50xx curves, 60xx overlays)
// by their pattern, private tags by group parity.
import { PROFILE_ROWS } from './profile.generated.ts';
import type { ProfileRow } from './profile.types.ts';

const EXACT = new Map<number, ProfileRow>();
const CURVE_ROW = PROFILE_ROWS.find((r) => r[0] === '50xxxxxx');
const OVERLAY_ROWS = new Map<number, ProfileRow>();

for (const row of PROFILE_ROWS) {
  const key = row[0];
  if (!key.includes('x')) EXACT.set(parseInt(key, 16), row);
  else if (key.startsWith('60xx')) OVERLAY_ROWS.set(parseInt(key.slice(4), 16), row);
}

/** True for groups 5000-50FF and 6000-60FF (even), the repeating curve and overlay groups. */
export function isRepeatingGroup(group: number): boolean {
  return (group & 0xff01) === 0x5000 || (group & 0xff01) === 0x6000;
}

/** The Table E.1-1 row governing a standard (even group) tag, if any. */
export function profileRow(tag: number): ProfileRow | undefined {
  const exact = EXACT.get(tag);
  if (exact) return exact;
  const group = tag >>> 16;
  if ((group & 0xff01) === 0x5000) return CURVE_ROW;
  if ((group & 0xff01) === 0x6000) return OVERLAY_ROWS.get(tag & 0xffff);
  return undefined;
}

/** Number of rows in the generated table (a sanity value for tests and the README). */
export const PROFILE_SIZE = PROFILE_ROWS.length;
