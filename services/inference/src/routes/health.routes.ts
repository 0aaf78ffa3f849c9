// OIP v2 health (unauthenticated, for orchestrators) and Prometheus metrics (service credential).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ServingContext } from './serving.context.ts';

export const HEALTH_PATHS = ['/v2/health/live', '/v2/health/ready'] as const;

export const healthRoutes: FastifyPluginAsyncZod<ServingContext> = async (app, ctx) => {
  app.get('/v2/health/live', { schema: { tags: ['health'], summary: 'Process is up', response: { 200: z.object({ live: z.boolean() }) } } }, async () => ({ live: true }));

  app.get('/v2/health/ready', {
    schema: { tags: ['health'], summary: 'Object store reachable', response: { 200: z.object({ ready: z.boolean() }), 503: z.object({ ready: z.boolean() }) } },
  }, async (_request, reply) => {
    try {
      await ctx.store.check();
      return { ready: true };
    } catch {
      return reply.status(503).send({ ready: false });
    }
  });

  app.get('/metrics', { schema: { tags: ['health'], summary: 'Prometheus metrics' } }, async (_request, reply) => {
    reply.type(ctx.metrics.registry.contentType);
    return ctx.metrics.registry.metrics();
  });
};
