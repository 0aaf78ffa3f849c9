import fp from 'fastify-plugin';
import { RateLimitedError } from '@medgrade/contracts';
import { RateLimiter } from '../rate-limiter.ts';

// Rate limit per API key, Redis-backed and shared by every gateway process (see rate-limiter.ts
// for how it avoids a Redis round trip per request). Sends X-RateLimit-* headers; 429 with
// Retry-After when the key's window is used up.

export const rateLimitPlugin = fp(
  async (app) => {
    const { redis, config } = app.deps;
    const limiter = new RateLimiter(redis, {
      prefix: `${config.redis.keyPrefix}:ratelimit`,
      max: config.gateway.rateLimit.max,
      windowMs: config.gateway.rateLimit.windowMs,
      onError: (error) => app.log.error({ err: error }, 'rate limit flush to Redis failed'),
    });
    app.addHook('onClose', () => limiter.close());

    app.addHook('onRequest', async (request, reply) => {
      if (!request.auth) return;
      const decision = limiter.hit(request.auth.keyId);
      reply.header('x-ratelimit-limit', decision.limit);
      reply.header('x-ratelimit-remaining', decision.remaining);
      reply.header('x-ratelimit-reset', decision.resetSeconds);
      if (!decision.allowed) {
        reply.header('retry-after', decision.resetSeconds);
        throw new RateLimitedError(decision.resetSeconds);
      }
    });
  },
  { name: 'rate-limit', dependencies: ['deps', 'auth'] },
);
