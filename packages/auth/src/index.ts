export { generateApiKey, hashApiKey, apiKeyPrefix, apiKeyMatches, API_KEY_PREFIX, type GeneratedApiKey } from './api-key.ts';
export { hasScopes, missingScopes } from './scopes.ts';
export { ApiKeyService, type ApiKeyServiceOptions, type CreateApiKeyInput } from './api-key.service.ts';
export type { AuthContext } from './auth.types.ts';
export { publishRevocation, revocationChannel, type RevocationPublisher } from './revocation.channel.ts';
