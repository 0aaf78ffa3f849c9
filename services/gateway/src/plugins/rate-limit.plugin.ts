import fp from 'fastify-plugin';
import { RateLimitedError } from '@medgrade/contracts';

// Fixed-window rate limit per API key in Redis (shared by every gateway process): one INCR and,
// on a window's first request, one PEXPIRE. Sends X-RateLimit-* headers; 429 with Retry-After.

export const rateLimitPlugin = fp(
  async (app) => {
    const { redis, config } = app.deps;
    const { max, windowMs } = config.gateway.rateLimit;
    const prefix = `${config.redis.keyPrefix}:ratelimit`;

    app.addHook('onRequest', async (request, reply) => {
      if (!request.auth) return;
      const now = Date.now();
      const window = Math.floor(now / windowMs);
      const key = `${prefix}:${request.auth.keyId}:${window}`;
      const count = await redis.incr(key);
      if (count === 1) await redis.pexpire(key, windowMs);
      const resetSeconds = Math.ceil(((window + 1) * windowMs - now) / 1000);
      reply.header('x-ratelimit-limit', max);
      reply.header('x-ratelimit-remaining', Math.max(0, max - count));
      reply.header('x-ratelimit-reset', resetSeconds);
      if (count > max) {
        reply.header('retry-after', resetSeconds);
        throw new RateLimitedError(resetSeconds);
      }
    });
  },
  { name: 'rate-limit', dependencies: ['deps', 'auth'] },
);
