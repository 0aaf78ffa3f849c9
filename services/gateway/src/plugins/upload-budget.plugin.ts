import fp from 'fastify-plugin';
import { InputLimitError } from '@medgrade/contracts';
import { ByteBudget } from '../ingest/byte.budget.ts';

// Byte budget of concurrent uploads (src/ingest/byte.budget.ts) for every route that sets
// `config.uploadBytes`: reserved after authentication, before the body is read; released when the
// response ends or the client goes away. Beyond the key's or the process's budget: 429 with
// Retry-After and details { limit, max } naming which budget.

/** Seconds a refused uploader is asked to wait: uploads in flight finish in seconds to minutes. */
const RETRY_AFTER_S = 5;
/** What one upload request can hold at once: the file being read and two batches being stored. */
const HOLD_INSTANCES = 3;

export const uploadBudgetPlugin = fp(
  async (app) => {
    const { ingest } = app.deps.config;
    const budget = new ByteBudget(ingest.keyBytesInFlight, ingest.processBytesInFlight);
    const holdCap = HOLD_INSTANCES * ingest.maxInstanceBytes;
    const releases = new WeakMap<object, () => void>();
    const release = (request: object): void => releases.get(request)?.();

    app.addHook('onRequest', (request, reply, done) => {
      if (request.is404 || !request.routeOptions.config.uploadBytes || !request.auth) return done();
      const declared = Number(request.headers['content-length']);
      const bytes = Number.isFinite(declared) && declared >= 0 ? Math.min(declared, holdCap) : holdCap;
      const outcome = budget.tryReserve(request.auth.keyId, bytes);
      if ('release' in outcome) {
        releases.set(request, outcome.release);
        return done();
      }
      reply.header('retry-after', RETRY_AFTER_S);
      done(new InputLimitError(outcome.refused, outcome.max, 'uploads in flight', { retryAfterSeconds: RETRY_AFTER_S }));
    });
    app.addHook('onResponse', (request, _reply, done) => {
      release(request);
      done();
    });
    app.addHook('onRequestAbort', (request, done) => {
      release(request);
      done();
    });
  },
  { name: 'upload-budget', dependencies: ['deps', 'auth'] },
);
