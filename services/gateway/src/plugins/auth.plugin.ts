import fp from 'fastify-plugin';
import { ApiKeyService, apiKeyPrefix, hasScopes, missingScopes, publishRevocation, revocationChannel } from '@medgrade/auth';
import { ForbiddenError, RateLimitedError, UnauthenticatedError, type Scope } from '@medgrade/contracts';
import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { RateLimiter } from './rate-limiter.ts';

// Every route needs an API key unless its config says `public: true`; a non-public route must
// declare `config.scopes` (all of them needed) and/or `config.anyScopes` (at least one needed);
// registration fails otherwise, so nobody ships an unguarded route by accident. The route also
// gets the bearer security requirement and its scopes in the description (error responses: docs plugin).

function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1]! : null;
}

/** The sentence OpenAPI shows for a route's scopes ('' when any valid key will do). */
function scopesText(scopes: readonly Scope[], anyScopes: readonly Scope[] | undefined): string {
  const parts: string[] = [];
  if (scopes.length > 0) parts.push(`all of: ${scopes.join(', ')}`);
  if (anyScopes) parts.push(`one of: ${anyScopes.join(', ')}`);
  return parts.length > 0 ? `Scopes needed: ${parts.join('; and ')} (\`admin\` covers every scope).` : '';
}

function documentRoute(route: RouteOptions): void {
  if (route.config?.public) return;
  const { scopes, anyScopes } = route.config ?? {};
  if (!scopes && !anyScopes) {
    throw new Error(`Route ${route.method} ${route.url} must declare config.scopes or config.anyScopes (or config.public: true)`);
  }
  if (anyScopes?.length === 0) throw new Error(`Route ${route.method} ${route.url}: config.anyScopes needs at least one scope`);
  if (!route.schema || route.schema.hide) return;
  const needed = scopesText(scopes ?? [], anyScopes);
  route.schema = {
    ...route.schema,
    ...(needed ? { description: [route.schema.description, needed].filter(Boolean).join('\n\n') } : {}),
    security: [{ bearerAuth: [] }],
  };
}

/** Refuses a key that lacks one of `scopes` or has none of `anyScopes`. */
function checkScopes(granted: readonly string[], scopes: readonly Scope[], anyScopes: readonly Scope[] | undefined): void {
  const missing = missingScopes(granted, scopes);
  if (missing.length > 0) throw new ForbiddenError(`This API key lacks the scope(s) ${missing.join(', ')}`, { missingScopes: missing });
  if (!anyScopes || anyScopes.some((scope) => hasScopes(granted, [scope]))) return;
  throw new ForbiddenError(`This API key needs one of the scopes ${anyScopes.join(', ')}`, { anyOfScopes: [...anyScopes] });
}

export const authPlugin = fp(
  async (app) => {
    const { config, prisma, redis } = app.deps;
    const apiKeys = new ApiKeyService(prisma, {
      cacheTtlMs: config.gateway.keyCacheTtlMs,
      negativeTtlMs: config.gateway.keyNegativeCacheTtlMs,
      lastUsedIntervalMs: config.gateway.keyLastUsedIntervalMs,
    });
    app.decorate('apiKeys', apiKeys);
    app.decorateRequest('auth', null as never);
    app.addHook('onRoute', documentRoute);

    // Revocations in any gateway process or the CLI evict the key here at once (the TTL is the backstop).
    const channel = revocationChannel(config.redis.keyPrefix);
    const subscriber = redis.duplicate();
    subscriber.on('message', (_channel: string, prefix: string) => apiKeys.evict(prefix));
    subscriber.on('error', (error: Error) => app.log.warn({ err: error }, 'revocation subscriber error'));
    await subscriber.subscribe(channel);
    app.addHook('onClose', async () => {
      await subscriber.quit();
    });
    app.decorate('announceRevocation', async (prefix: string) => {
      apiKeys.evict(prefix);
      await publishRevocation(redis, config.redis.keyPrefix, prefix);
    });

    // Failed authentications (a token presented and refused), shared through Redis like the per-key
    // limit, in two kinds of bucket. A wrong secret for a prefix that exists counts against that
    // prefix (the secret-guessing target, from any address): past its budget the prefix answers 429
    // unless it verified on this process before. Garbage (no prefix, or one that names no key)
    // counts against the client address (GATEWAY_TRUST_PROXY decides what that is behind a proxy):
    // past its budget that address's garbage answers 429, but a token whose prefix exists is still
    // verified, so one client's garbage never locks out another client's key behind the same proxy.
    const failures = new RateLimiter(redis, {
      prefix: `${config.redis.keyPrefix}:authfail`,
      max: config.gateway.authFailures.max,
      windowMs: config.gateway.authFailures.windowMs,
      onError: (error) => app.log.error({ err: error }, 'auth failure count flush to Redis failed'),
    });
    app.addHook('onClose', () => failures.close());
    const refuse = (reply: FastifyReply, bucket: string, message: string): never => {
      const state = failures.peek(bucket);
      const counted = state.allowed ? failures.hit(bucket) : state;
      if (counted.allowed) throw new UnauthenticatedError();
      reply.header('retry-after', counted.resetSeconds);
      throw new RateLimitedError(counted.resetSeconds, message);
    };

    app.addHook('onRequest', async (request, reply) => {
      if (request.is404 || request.routeOptions.config.public) return;
      const token = bearerToken(request);
      if (!token) throw new UnauthenticatedError();
      const prefix = apiKeyPrefix(token);
      const keyBucket = prefix ? `key:${prefix}` : undefined;
      const keyBlocked = keyBucket !== undefined && !failures.peek(keyBucket).allowed;
      const { auth, prefixExists } = await apiKeys.check(token, { knownOnly: keyBlocked });
      if (!auth) {
        if (keyBucket && (keyBlocked || prefixExists)) return refuse(reply, keyBucket, 'Too many failed authentications for this key');
        return refuse(reply, `ip:${request.ip}`, 'Too many failed authentications from this address');
      }
      checkScopes(auth.scopes, request.routeOptions.config.scopes ?? [], request.routeOptions.config.anyScopes);
      request.auth = auth;
    });
  },
  { name: 'auth', dependencies: ['deps', 'errors'] },
);

declare module 'fastify' {
  interface FastifyInstance {
    /** Evict a revoked key here and tell every other gateway process. */
    announceRevocation(prefix: string): Promise<void>;
  }
}
