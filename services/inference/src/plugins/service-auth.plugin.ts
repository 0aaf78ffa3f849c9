// Every route but health needs the service credential the gateway holds
// (INFERENCE_SERVICE_TOKEN): the inference service is never reachable with an API key.
import { timingSafeEqual, createHash } from 'node:crypto';
import { UnauthenticatedError } from '@medgrade/contracts';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/**
 * A constant-time check of `Authorization: Bearer <token>`: both sides are compared as digests, so
 * neither the token's length nor its bytes leak. The token's own digest is taken once, here.
 */
export function bearerMatcher(token: string): (header: string | undefined) => boolean {
  const expected = digest(token);
  return (header) => header?.startsWith('Bearer ') === true && timingSafeEqual(digest(header.slice(7)), expected);
}

export const serviceAuthPlugin = fp(
  async (app: FastifyInstance, opts: { token: string; publicPaths: readonly string[] }) => {
    const bearerMatches = bearerMatcher(opts.token);
    // Callback style: an async hook costs a promise on every request.
    app.addHook('onRequest', (request, _reply, done) => {
      const query = request.url.indexOf('?');
      const path = query < 0 ? request.url : request.url.slice(0, query);
      if (opts.publicPaths.includes(path) || bearerMatches(request.headers.authorization)) {
        done();
        return;
      }
      done(new UnauthenticatedError('Missing or invalid service credential: send Authorization: Bearer <INFERENCE_SERVICE_TOKEN>'));
    });
  },
  { name: 'service-auth' },
);
