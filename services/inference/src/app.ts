// The inference service as a Fastify app that tests build and inject into (STYLE.md 1).
// Plugin order: errors and auth, then routes; the model cache is closed with the app.
import type { Config } from '@medgrade/config';
import type { PixelLimits, SessionOptions } from '@medgrade/model-runtime';
import type { ObjectStore } from '@medgrade/storage';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { responseSerializerCompiler } from '@medgrade/contracts/http';
import { errorsPlugin } from '@medgrade/service/http';
import { createMetrics, type InferenceMetrics } from './metrics.ts';
import { ModelCache, storeLoader, type ModelCacheOptions } from './model.cache.ts';
import { serviceAuthPlugin } from './plugins/service-auth.plugin.ts';
import { HEALTH_PATHS, healthRoutes } from './routes/health.routes.ts';
import { internalRoutes } from './routes/internal.routes.ts';
import { oipRoutes } from './routes/oip.routes.ts';

export interface InferenceAppOptions {
  config: Pick<Config['inference'], 'serviceToken' | 'executionProviders' | 'intraOpThreads' | 'interOpThreads' | 'memoryBudgetMb' | 'maxBatchSize' | 'maxQueueDelayMs' | 'requestTimeoutMs'>;
  store: ObjectStore;
  /** pino logger (main.ts passes one with medgrade's redaction); silent when omitted. */
  logger?: FastifyBaseLogger;
  /** Replaces the store-backed loader (unit tests). */
  load?: ModelCacheOptions['load'];
  metrics?: InferenceMetrics;
  /** Bounds on decoding one instance (config ingest.maxFramePixels / maxInflatedBytes); package defaults when omitted. */
  pixelLimits?: PixelLimits;
}

/** Session options from config: execution providers and onnxruntime thread counts. */
export function sessionOptionsFrom(config: InferenceAppOptions['config']): SessionOptions {
  return { executionProviders: config.executionProviders, intraOpThreads: config.intraOpThreads, interOpThreads: config.interOpThreads };
}

export async function buildInferenceApp(opts: InferenceAppOptions): Promise<FastifyInstance> {
  const { config, store } = opts;
  const app = Fastify({
    ...(opts.logger ? { loggerInstance: opts.logger } : {}),
    bodyLimit: 64 * 1024 * 1024,
    // One access line per request, written when it completes (below), instead of two.
    logController: new LogController({ disableRequestLogging: true }),
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(responseSerializerCompiler);
  app.addHook('onResponse', (request, reply, done) => {
    request.log.info({ method: request.method, route: request.routeOptions.url, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 }, 'request completed');
    done();
  });
  const metrics = opts.metrics ?? createMetrics();
  const cache = new ModelCache({
    memoryBudgetBytes: config.memoryBudgetMb * 1024 * 1024,
    maxBatchSize: config.maxBatchSize,
    maxQueueDelayMs: config.maxQueueDelayMs,
    metrics,
    load: opts.load ?? storeLoader(store, sessionOptionsFrom(config)),
  });
  app.addHook('onClose', () => cache.close());
  await app.register(errorsPlugin);
  await app.register(serviceAuthPlugin, { token: config.serviceToken, publicPaths: HEALTH_PATHS });
  const ctx = { store, cache, metrics, requestTimeoutMs: config.requestTimeoutMs, pixelLimits: opts.pixelLimits ?? {} };
  await app.register(healthRoutes, ctx);
  await app.register(oipRoutes, ctx);
  await app.register(internalRoutes, ctx);
  return app;
}
