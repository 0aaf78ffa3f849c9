// Every surrogate derives from HMAC-SHA256(project secret, kind + original): deterministic per
// project (the same patient next year links), irreversible without the secret, and different
// per kind so that, say, a patient ID and an accession number with equal text do not correlate.
import { createHmac } from 'node:crypto';

/** Surrogate domains; part of the HMAC input so that kinds never collide. */
export type SurrogateKind = 'uid' | 'name' | 'patient-id' | 'accession' | 'date-shift' | 'ae' | 'id';

// Files of one study share their study, series, patient and date-shift inputs, so a small cache per
// secret saves most HMACs. Bounded (cleared when full) so that originals do not pile up in memory.
const CACHE_LIMIT = 1024;
const caches = new WeakMap<Buffer, Map<string, Buffer>>();

/** HMAC-SHA256(secret, kind NUL value). */
export function keyedDigest(secret: Buffer, kind: SurrogateKind, value: string): Buffer {
  let cache = caches.get(secret);
  if (cache === undefined) caches.set(secret, (cache = new Map()));
  const key = `${kind}\0${value}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const digest = createHmac('sha256', secret).update(key).digest();
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, digest);
  return digest;
}
