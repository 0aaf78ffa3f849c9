import fp from 'fastify-plugin';
import { RateLimitedError } from '@medgrade/contracts';
import { RateLimiter } from './rate-limiter.ts';

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

    // Synchronous (callback style): the decision is local, so no promise per request.
    app.addHook('onRequest', (request, reply, done) => {
      if (!request.auth) return done();
      const decision = limiter.hit(request.auth.keyId);
      reply.header('x-ratelimit-limit', decision.limit);
      reply.header('x-ratelimit-remaining', decision.remaining);
      reply.header('x-ratelimit-reset', decision.resetSeconds);
      if (decision.allowed) return done();
      reply.header('retry-after', decision.resetSeconds);
      done(new RateLimitedError(decision.resetSeconds));
    });
  },
  { name: 'rate-limit', dependencies: ['deps', 'auth'] },
);
