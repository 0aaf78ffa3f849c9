import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

// Each project has its own 256-bit HMAC secret for deterministic de-identification surrogates.
// It is stored encrypted (AES-256-GCM, key from config PROJECT_SECRET_KEY): iv(12) | tag(16) | ct.

/** Encrypt a project secret with the 32-byte configured key. */
export function encryptProjectSecret(key: Buffer, secret: Buffer): Uint8Array<ArrayBuffer> {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ct = Buffer.concat([cipher.update(secret), cipher.final()]);
  return new Uint8Array(Buffer.concat([iv, cipher.getAuthTag(), ct]));
}

/** Decrypt a stored project secret; throws when the key is wrong or the bytes were altered. */
export function decryptProjectSecret(key: Buffer, stored: Uint8Array): Buffer {
  const bytes = Buffer.from(stored);
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12));
  decipher.setAuthTag(bytes.subarray(12, 28));
  return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]);
}

/** A new random project secret, encrypted for storage in Project.secretCiphertext. */
export function newProjectSecretCiphertext(key: Buffer): Uint8Array<ArrayBuffer> {
  return encryptProjectSecret(key, randomBytes(32));
}
