import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { validatorCompiler, type FastifyPluginAsyncZod, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { createRepositories } from '@medgrade/db';
import { ModelRegistry } from '@medgrade/registry';
import type { GatewayDeps } from './deps.ts';
import './fastify.types.ts';
import { auditPlugin } from './plugins/audit.plugin.ts';
import { authPlugin } from './plugins/auth.plugin.ts';
import { docsPlugin } from './plugins/docs.plugin.ts';
import { metricsPlugin } from './plugins/metrics.plugin.ts';
import { portalPlugin } from './plugins/portal.plugin.ts';
import { rateLimitPlugin } from './plugins/rate-limit.plugin.ts';
import { uploadBudgetPlugin } from './plugins/upload-budget.plugin.ts';
import { tenancyPlugin } from './plugins/tenancy.plugin.ts';
import { responseSerializerCompiler } from '@medgrade/contracts/http';
import { errorsPlugin } from '@medgrade/service/http';
import { apiKeyRoutes } from './routes/api-keys.routes.ts';
import { auditRoutes } from './routes/audit.routes.ts';
import { healthRoutes } from './routes/health.routes.ts';
import { organizationRoutes } from './routes/organizations.routes.ts';
import { projectRoutes } from './routes/projects.routes.ts';
import { deidProfileRoutes } from './routes/deid-profile.routes.ts';
import { qidoRoutes } from './routes/qido.routes.ts';
import { stowRoutes } from './routes/stow.routes.ts';
import { studyRoutes } from './routes/studies.routes.ts';
import { studyDeleteRoutes } from './routes/studies-delete.routes.ts';
import { uploadRoutes } from './routes/uploads.routes.ts';
import { wadoRoutes } from './routes/wado.routes.ts';
import { wadoFrameRoutes } from './routes/wado-frames.routes.ts';
import { modelRoutes } from './routes/models.routes.ts';
import { inferenceRoutes } from './routes/inferences.routes.ts';
import { oipRoutes } from './routes/oip.routes.ts';
import { datasetRoutes } from './routes/datasets.routes.ts';
import { finetuneJobRoutes } from './routes/finetune-jobs.routes.ts';
import { reviewRoutes } from './routes/review.routes.ts';

/**
 * Every route area, one file each (`routes/<area>.routes.ts`). Add yours here. Each route sets
 * `config.scopes` (or `config.public`) and full zod schemas with tags and a summary.
 */
const ROUTES: FastifyPluginAsyncZod[] = [healthRoutes, organizationRoutes, projectRoutes, apiKeyRoutes, auditRoutes, modelRoutes, inferenceRoutes, oipRoutes, stowRoutes, uploadRoutes, deidProfileRoutes, studyRoutes, studyDeleteRoutes, reviewRoutes, qidoRoutes, wadoRoutes, wadoFrameRoutes, datasetRoutes, finetuneJobRoutes];

const REQUEST_ID = /^[A-Za-z0-9._-]{1,100}$/;

// Routes reach rows through repositories and the model registry (each read ANDs the caller's
// TenantScope), built once here.
const depsPlugin = fp(async (app, deps: GatewayDeps) => {
  app.decorate('deps', deps);
  app.decorate('repos', createRepositories(deps.prisma));
  app.decorate('registry', new ModelRegistry(deps.prisma, deps.store));
}, { name: 'deps' });

/** GATEWAY_TRUST_PROXY as Fastify takes it: a hop count becomes "trust the nearest n hops" (its types take no number). */
function trustProxyOption(value: boolean | number | string[]): boolean | string[] | ((address: string, hop: number) => boolean) {
  return typeof value === 'number' ? (_address, hop) => hop < value : value;
}

/** Build the gateway with its adapters passed in; tests call this and `inject` into it. */
export async function buildApp(deps: GatewayDeps): Promise<FastifyInstance> {
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : {}),
    // Trust a caller's well-formed X-Request-Id (end-to-end tracing); otherwise make one.
    genReqId: (req) => {
      const header = req.headers['x-request-id'];
      return typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
    },
    // One line per request, written when it completes (see below), instead of two.
    logController: new LogController({ requestIdLogLabel: 'requestId', disableRequestLogging: true }),
    bodyLimit: 10 * 1024 * 1024,
    // request.ip (failed-login throttling, logs) is the client behind the configured proxies, not the proxy.
    trustProxy: trustProxyOption(deps.config.gateway.trustProxy),
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(responseSerializerCompiler);
  // Callback-style hooks on the per-request path: an async hook costs a promise per request.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    request.log.info({ req: request, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 }, 'request completed');
    done();
  });

  // Fixed order (STYLE.md 2): infrastructure, then domain decorators and guards, then routes.
  await app.register(depsPlugin, deps);
  await app.register(errorsPlugin);
  await app.register(metricsPlugin);
  await app.register(docsPlugin);
  await app.register(portalPlugin);
  await app.register(authPlugin);
  await app.register(rateLimitPlugin);
  await app.register(uploadBudgetPlugin);
  await app.register(tenancyPlugin);
  await app.register(auditPlugin);
  for (const routes of ROUTES) await app.register(routes);
  return app;
}
