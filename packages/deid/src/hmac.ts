// Every surrogate derives from HMAC-SHA256(project secret, kind + original): deterministic per
// project (the same patient next year links), irreversible without the secret, and different
// per kind so that, say, a patient ID and an accession number with equal text do not correlate.
import { createHmac } from 'node:crypto';

/** Surrogate domains; part of the HMAC input so that kinds never collide. */
export type SurrogateKind = 'uid' | 'name' | 'patient-id' | 'accession' | 'date-shift' | 'ae' | 'id';

/** HMAC-SHA256(secret, kind NUL value). */
export function keyedDigest(secret: Buffer, kind: SurrogateKind, value: string): Buffer {
  return createHmac('sha256', secret).update(kind).update('\0').update(value).digest();
}
