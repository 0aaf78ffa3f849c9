import { describe, expect, it } from 'vitest';
import { apiKeyMatches, apiKeyPrefix, generateApiKey, hashApiKey } from './api-key.ts';
import { hasScopes, missingScopes } from './scopes.ts';

describe('api keys', () => {
  it('generates distinct 256-bit secrets with a lookup prefix', () => {
    const a = generateApiKey();
    const b = generateApiKey();
    expect(a.key).not.toBe(b.key);
    expect(Buffer.from(a.key.slice('mgk_'.length + 12 + 1), 'base64url')).toHaveLength(32);
    expect(apiKeyPrefix(a.key)).toBe(a.prefix);
    expect(a.hash).toEqual(hashApiKey(a.key));
    expect(apiKeyMatches(a.key, a.hash)).toBe(true);
    expect(apiKeyMatches(b.key, a.hash)).toBe(false);
    expect(apiKeyPrefix('mgk_short_x')).toBeNull();
  });

  it('checks scopes, admin covering all', () => {
    expect(hasScopes(['studies:read'], ['studies:read'])).toBe(true);
    expect(hasScopes(['studies:read'], ['studies:write'])).toBe(false);
    expect(hasScopes(['admin'], ['audit:read', 'models:write'])).toBe(true);
    expect(missingScopes(['studies:read'], ['studies:read', 'audit:read'])).toEqual(['audit:read']);
  });
});
