import { createHash } from 'node:crypto';
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
