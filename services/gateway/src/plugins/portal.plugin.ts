import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fp from 'fastify-plugin';
import fastifyStatic from '@fastify/static';
import { AppError } from '@medgrade/contracts';

// The developer portal (packages/portal): static files of the Vite build in config.gateway.portalDir,
// served at /portal/ (public: the page holds no data, every API call carries the user's key), `/`
// redirects there. Hashed assets are cached for good, index.html never (a new build shows at once).
// The Content-Security-Policy allows this origin only: no CDN, no inline script, images from blob:
// (thumbnails fetched with the key and shown from object URLs). Hidden from OpenAPI; registered
// before the auth plugin (as Swagger UI is) so its routes are marked public before auth checks them.

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

const BUILD_HINT = 'The developer portal is not built: run `pnpm --filter @medgrade/portal build` (pnpm start and the gateway image build it)';

export const portalPlugin = fp(
  async (app) => {
    const dir = resolve(app.deps.config.gateway.portalDir);
    await app.register(async (portal) => {
      portal.addHook('onRoute', (route) => {
        route.config = { ...route.config, public: true };
        route.schema = { ...route.schema, hide: true };
      });
      portal.get('/', (_request, reply) => reply.redirect('/portal/'));
      portal.get('/portal', (_request, reply) => reply.redirect('/portal/', 301));
      if (!existsSync(join(dir, 'index.html'))) {
        portal.get('/portal/*', async () => {
          throw new AppError('NOT_FOUND', BUILD_HINT);
        });
        return;
      }
      await portal.register(fastifyStatic, {
        root: dir,
        prefix: '/portal/',
        index: ['index.html'],
        dotfiles: 'deny',
        cacheControl: false,
        setHeaders: (reply, path) => {
          reply.header('content-security-policy', CSP);
          reply.header('x-content-type-options', 'nosniff');
          reply.header('referrer-policy', 'no-referrer');
          reply.header('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
        },
      });
    });
  },
  { name: 'portal', dependencies: ['deps', 'errors'] },
);
