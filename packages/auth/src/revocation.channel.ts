// Gateways cache verified keys (API_KEY_CACHE_TTL_MS); a revocation must reach every one of them
// at once, whoever revokes (the API in any gateway process, or `medgrade keys revoke`). Revokers
// publish the key's lookup prefix on one Redis channel per deployment (REDIS_KEY_PREFIX); each
// gateway subscribes and evicts. Structural Redis types keep this package free of a client library.

/** The Redis publish call a revoker needs (an ioredis client has it). */
export interface RevocationPublisher {
  publish(channel: string, message: string): Promise<number>;
}

/** The channel revocations travel on, under the deployment's Redis key prefix. */
export function revocationChannel(redisKeyPrefix: string): string {
  return `${redisKeyPrefix}:apikey-revoked`;
}

/** Tells every subscribed gateway to drop its cached copy of the key with this prefix. */
export async function publishRevocation(redis: RevocationPublisher, redisKeyPrefix: string, apiKeyPrefix: string): Promise<void> {
  await redis.publish(revocationChannel(redisKeyPrefix), apiKeyPrefix);
}
