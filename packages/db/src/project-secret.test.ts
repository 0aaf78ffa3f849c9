import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decryptProjectSecret, encryptProjectSecret, newProjectSecretCiphertext } from './project-secret.ts';

describe('project secrets', () => {
  const key = randomBytes(32);
  it('round-trips and uses a fresh iv each time', () => {
    const secret = randomBytes(32);
    const a = encryptProjectSecret(key, secret);
    const b = encryptProjectSecret(key, secret);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
    expect(decryptProjectSecret(key, a)).toEqual(secret);
    expect(decryptProjectSecret(key, newProjectSecretCiphertext(key))).toHaveLength(32);
  });
  it('refuses a wrong key or altered bytes', () => {
    const stored = encryptProjectSecret(key, randomBytes(32));
    expect(() => decryptProjectSecret(randomBytes(32), stored)).toThrow();
    stored[stored.length - 1]! ^= 1;
    expect(() => decryptProjectSecret(key, stored)).toThrow();
  });
});
