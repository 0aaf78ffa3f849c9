// Issue 14.7: a refused token costs no database write. Past AUTH_FAILURE_MAX per window, garbage
// (tokens whose prefix names no key) from one client address gets 429 with Retry-After, while any
// key that exists is still verified from that address; wrong secrets for one key prefix exhaust
// that prefix's own bucket, from any address. Behind a proxy, GATEWAY_TRUST_PROXY makes the client
// address the client's.
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
    // A key this gateway never verified is still looked up for a throttled address: garbage does not lock out real keys...
    expect((await me(cold.auth, address)).statusCode).toBe(200);
    // ...and the address's budget is its own: another address's garbage is counted apart.
    expect((await me(cold.auth, '203.0.113.8')).statusCode).toBe(200);
    expect((await me(`Bearer ${generateApiKey().key}`, '203.0.113.8')).statusCode).toBe(401);
  });

  it('counts wrong secrets against the key prefix from any address: past the budget only a key verified here before works', async () => {
    const target = await gw.key('guessed', ['audit:read']);
    const forged = (i: number) => `${target.auth.slice(0, -6)}${String(i).padStart(6, 'Z').slice(-6).replace(/[^A-Za-z0-9_-]/g, 'Z')}`;
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await me(forged(i), `192.0.2.${10 + i}`)).statusCode);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    // The real secret for the exhausted prefix, never verified on this gateway: refused like the guesses.
    expect((await me(target.auth, '192.0.2.99')).statusCode).toBe(429);
    // Other keys are untouched.
    const other = await gw.key('guessed', ['audit:read']);
    expect((await me(other.auth, '192.0.2.10')).statusCode).toBe(200);
  });
});

describe('failed authentications behind a proxy (GATEWAY_TRUST_PROXY)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await createTestGateway({ AUTH_FAILURE_MAX: '3', AUTH_FAILURE_WINDOW_MS: '600000', API_KEY_CACHE_TTL_MS: '0', GATEWAY_TRUST_PROXY: '127.0.0.1' });
  });
  afterAll(async () => {
    await gw?.close();
  });

  // Every request arrives from the proxy at 127.0.0.1; X-Forwarded-For names the client.
  const viaProxy = (authorization: string, client: string) => gw.app.inject({ url: '/v1/me', remoteAddress: '127.0.0.1', headers: { authorization, 'x-forwarded-for': client } });

  it('one client\'s garbage tokens do not lock out another client\'s valid, never-before-seen key', async () => {
    const garbage = [];
    for (let i = 0; i < 6; i++) garbage.push((await viaProxy(i % 2 ? 'Bearer x' : `Bearer ${generateApiKey().key}`, '198.51.100.20')).statusCode);
    expect(garbage).toEqual([401, 401, 401, 429, 429, 429]);
    // The gateway never saw this key before (a new replica, or after a restart).
    const fresh = await gw.key('behind-proxy', ['audit:read']);
    expect((await viaProxy(fresh.auth, '198.51.100.21')).statusCode).toBe(200);
    // Another client's garbage is its own budget, not the proxy's.
    expect((await viaProxy('Bearer x', '198.51.100.22')).statusCode).toBe(401);
    // Even from the throttled client, a real key is verified.
    const second = await gw.key('behind-proxy', ['audit:read']);
    expect((await viaProxy(second.auth, '198.51.100.20')).statusCode).toBe(200);
  });
});
