import { createHash, hkdfSync } from 'node:crypto';
import { INSECURE_DEV_KEY_LABEL } from './config.schema.ts';

/** Decode the configured project-secret key into 32 bytes (base64, hex, or the dev default). */
export function projectSecretKeyBytes(value: string): Buffer {
  if (value.startsWith(`${INSECURE_DEV_KEY_LABEL}:`)) {
    return createHash('sha256').update(value).digest();
  }
  const bytes = /^[0-9a-f]{64}$/i.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
  if (bytes.length !== 32) {
    throw new Error('PROJECT_SECRET_KEY must decode to 32 bytes: use openssl rand -base64 32');
  }
  return bytes;
}

/**
 * The audit anchor key: AUDIT_ANCHOR_KEY decoded (32 bytes, base64 or hex) when set, else derived
 * from the project-secret key with HKDF-SHA256 under its own label, so it is never the same bytes.
 */
export function auditAnchorKeyBytes(configured: string | undefined, projectKey: Buffer): Buffer {
  if (configured) return projectSecretKeyBytes(configured);
  return Buffer.from(hkdfSync('sha256', projectKey, Buffer.alloc(0), 'medgrade audit anchor v1', 32));
}
