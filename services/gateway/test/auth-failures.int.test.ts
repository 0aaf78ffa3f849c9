// Issue 14.7: a refused token costs no database write and, past AUTH_FAILURE_MAX per window, the
// client address gets 429 with Retry-After (its guesses no longer reach Postgres), while keys that
// verified on this gateway before keep working from that address.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey } from '@medgrade/auth';
import { createTestGateway, type TestGateway } from './gateway.harness.ts';

describe('failed authentications', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await createTestGateway({ AUTH_FAILURE_MAX: '3', AUTH_FAILURE_WINDOW_MS: '600000', API_KEY_CACHE_TTL_MS: '0' });
  });
  afterAll(async () => {
    await gw?.close();
  });

  const me = (authorization: string | undefined, remoteAddress: string) => gw.app.inject({ url: '/v1/me', remoteAddress, headers: authorization ? { authorization } : {} });

  it('leaves lastUsedAt alone when a real prefix comes with a wrong secret', async () => {
    const key = await gw.key('last-used', ['audit:read']);
    const forged = `${key.auth.slice(0, -4)}${key.auth.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    expect((await me(forged, '198.51.100.1')).statusCode).toBe(401);
    expect((await gw.db.prisma.apiKey.findUniqueOrThrow({ where: { id: key.keyId } })).lastUsedAt).toBeNull();
    expect((await me(key.auth, '198.51.100.1')).statusCode).toBe(200);
    expect((await gw.db.prisma.apiKey.findUniqueOrThrow({ where: { id: key.keyId } })).lastUsedAt).not.toBeNull();
  });

  it('answers 429 with Retry-After once an address has used up its failures; known keys still work from it', async () => {
    const warm = await gw.key('throttle', ['audit:read']);
    const cold = await gw.key('throttle', ['audit:read']);
    const address = '203.0.113.7';
    expect((await me(warm.auth, address)).statusCode).toBe(200);
    // Requests without a token are not authentication attempts: never counted.
    for (let i = 0; i < 5; i++) expect((await me(undefined, address)).statusCode).toBe(401);
    const guesses = [];
    for (let i = 0; i < 5; i++) guesses.push(await me(`Bearer ${generateApiKey().key}`, address));
    expect(guesses.map((r) => r.statusCode)).toEqual([401, 401, 401, 429, 429]);
    expect(guesses[3]!.json().error.code).toBe('RATE_LIMITED');
    expect(Number(guesses[3]!.headers['retry-after'])).toBeGreaterThan(0);
    expect((await me(warm.auth, address)).statusCode).toBe(200);
    // A key this gateway never verified is not looked up for a throttled address...
    expect((await me(cold.auth, address)).statusCode).toBe(429);
    // ...and works from any other address.
    expect((await me(cold.auth, '203.0.113.8')).statusCode).toBe(200);
    expect((await me(`Bearer ${generateApiKey().key}`, '203.0.113.8')).statusCode).toBe(401);
  });
});
