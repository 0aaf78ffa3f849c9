import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

// Key format: mgk_<prefix>_<secret>. The prefix (48 random bits, hex) is public and indexed for
// lookup; the secret is 256 random bits (base64url). Only SHA-256 of the whole key is stored, so a
// database leak yields no usable key; comparison is constant-time.

export const API_KEY_PREFIX = 'mgk';

const KEY_PATTERN = /^mgk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export interface GeneratedApiKey {
  /** The full secret key, shown to the caller once. */
  key: string;
  prefix: string;
  hash: Buffer;
}

export function hashApiKey(key: string): Buffer {
  // One-shot hash: no Hash object per call (this runs on every authenticated request).
  return hash('sha256', key, 'buffer');
}

/** A new random key with its lookup prefix and stored hash. */
export function generateApiKey(): GeneratedApiKey {
  const prefix = randomBytes(6).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const key = `${API_KEY_PREFIX}_${prefix}_${secret}`;
  return { key, prefix, hash: hashApiKey(key) };
}

/** The lookup prefix of a well-formed key, or null. */
export function apiKeyPrefix(key: string): string | null {
  return KEY_PATTERN.exec(key)?.[1] ?? null;
}

/** Constant-time check of a presented key against the stored hash. */
export function apiKeyMatches(key: string, storedHash: Uint8Array): boolean {
  const presented = hashApiKey(key);
  return storedHash.length === presented.length && timingSafeEqual(presented, storedHash);
}
