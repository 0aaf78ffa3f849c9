import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limiter.ts';

describe('RateLimiter', () => {
  const redis = new Redis('redis://127.0.0.1:6379');
  const prefix = `test-${randomBytes(4).toString('hex')}:ratelimit`;
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });
  const options = { prefix, max: 5, windowMs: 60_000, flushMs: 60_000, onError: (e: unknown) => { throw e; } };

  it('limits per key within a process and shares counts through Redis', async () => {
    const a = new RateLimiter(redis, options);
    const b = new RateLimiter(redis, options);
    const now = 1_000_000_000;
    expect([1, 2, 3].map(() => a.hit('k1', now).allowed)).toEqual([true, true, true]);
    expect(a.hit('k2', now)).toMatchObject({ allowed: true, remaining: 4 });
    await a.flush();
    expect(await redis.get(`${prefix}:k1:${Math.floor(now / 60_000)}`)).toBe('3');
    // Process b learns the global count at its next flush.
    expect(b.hit('k1', now)).toMatchObject({ allowed: true, remaining: 4 });
    await b.flush();
    expect(b.hit('k1', now)).toMatchObject({ allowed: true, remaining: 0 });
    expect(b.hit('k1', now)).toMatchObject({ allowed: false, remaining: 0 });
    // Requests admitted while a flush is on its way to Redis still count.
    const c = new RateLimiter(redis, { ...options, max: 2 });
    expect(c.hit('k3', now).allowed).toBe(true);
    const flushing = c.flush();
    expect(c.hit('k3', now).allowed).toBe(true);
    expect(c.hit('k3', now).allowed).toBe(false);
    await flushing;
    expect(c.hit('k3', now).allowed).toBe(false);
    await c.close();
    // A new window starts from zero.
    expect(b.hit('k1', now + 60_000)).toMatchObject({ allowed: true, remaining: 4 });
    await a.close();
    await b.close();
  });
});
