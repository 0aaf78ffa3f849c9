// The portal's static serving (plugins/portal.plugin.ts) on a real gateway: public, redirects,
// cache and security headers, hidden from OpenAPI, and a 404 naming the build command while the
// folder holds no build. The portal itself is tested in a browser (tests/portal).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestGateway, type TestGateway } from './gateway.harness.ts';

describe('portal static files', () => {
  let dir: string;
  let gw: TestGateway;
  let bare: TestGateway;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'medgrade-portal-'));
    await mkdir(join(dir, 'assets'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>portal</title><script type="module" src="/portal/assets/app-1a2b.js"></script>');
    await writeFile(join(dir, 'assets', 'app-1a2b.js'), 'console.log("portal")');
    await writeFile(join(dir, '.secret'), 'x');
    gw = await createTestGateway({ PORTAL_DIR: dir });
    bare = await createTestGateway({ PORTAL_DIR: join(dir, 'missing') });
  });
  afterAll(async () => {
    await gw?.close();
    await bare?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('redirects / and /portal to /portal/ and serves index.html without a key, never cached, with a same-origin CSP', async () => {
    expect((await gw.app.inject({ url: '/' })).headers.location).toBe('/portal/');
    const bareRedirect = await gw.app.inject({ url: '/portal' });
    expect([bareRedirect.statusCode, bareRedirect.headers.location]).toEqual([301, '/portal/']);
    const index = await gw.app.inject({ url: '/portal/' });
    expect(index.statusCode).toBe(200);
    expect(index.headers['content-type']).toMatch(/^text\/html/);
    expect(index.body).toContain('/portal/assets/app-1a2b.js');
    expect(index.headers['cache-control']).toBe('no-cache');
    expect(index.headers['content-security-policy']).toContain("default-src 'self'");
    expect(index.headers['content-security-policy']).toContain("script-src 'self'");
    expect(index.headers['x-content-type-options']).toBe('nosniff');
  });

  it('serves hashed assets as immutable, refuses dotfiles and misses with 404, and keeps the portal out of OpenAPI', async () => {
    const asset = await gw.app.inject({ url: '/portal/assets/app-1a2b.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await gw.app.inject({ url: '/portal/.secret' })).statusCode).not.toBe(200);
    expect((await gw.app.inject({ url: '/portal/nope.js' })).statusCode).toBe(404);
    const paths = Object.keys((await gw.app.inject({ url: '/openapi.json' })).json().paths);
    expect(paths.filter((p) => p === '/' || p.startsWith('/portal'))).toEqual([]);
    // The API stays guarded: the portal's public routes open nothing else.
    expect((await gw.app.inject({ url: '/v1/me' })).statusCode).toBe(401);
  });

  it('answers 404 naming the build command while the portal is not built', async () => {
    const res = await bare.app.inject({ url: '/portal/' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('pnpm --filter @medgrade/portal build') });
  });
});
