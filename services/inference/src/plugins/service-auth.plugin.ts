// Every route but health needs the service credential the gateway holds
// (INFERENCE_SERVICE_TOKEN): the inference service is never reachable with an API key.
import { timingSafeEqual, createHash } from 'node:crypto';
import { UnauthenticatedError } from '@medgrade/contracts';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Constant-time check of `Authorization: Bearer <token>`. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  if (!header?.startsWith('Bearer ')) return false;
  return timingSafeEqual(digest(header.slice(7)), digest(token));
}

export const serviceAuthPlugin = fp(
  async (app: FastifyInstance, opts: { token: string; publicPaths: readonly string[] }) => {
    // Callback style: an async hook costs a promise on every request.
    app.addHook('onRequest', (request, _reply, done) => {
      const path = request.url.split('?')[0] ?? '';
      if (opts.publicPaths.includes(path) || bearerMatches(request.headers.authorization, opts.token)) {
        done();
        return;
      }
      done(new UnauthenticatedError('Missing or invalid service credential: send Authorization: Bearer <INFERENCE_SERVICE_TOKEN>'));
    });
  },
  { name: 'service-auth' },
);
