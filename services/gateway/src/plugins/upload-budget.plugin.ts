import fp from 'fastify-plugin';
import { InputLimitError } from '@medgrade/contracts';
import { BacklogGauge } from '../ingest/backlog.gauge.ts';
import { ByteBudget } from '../ingest/byte.budget.ts';

// Admission of uploads, for every route that sets `config.uploadBytes`, after authentication and
// before the body is read: first the de-identification backlog (src/ingest/backlog.gauge.ts: the
// organization's, 429, then the platform's, 503), then the byte budget of concurrent uploads
// (src/ingest/byte.budget.ts), reserved here and released when the response ends or the client goes
// away: beyond the key's or the process's budget, 429. Each refusal carries Retry-After and details
// { limit, max } naming what was full.

/** Seconds a refused uploader is asked to wait: uploads in flight finish in seconds to minutes. */
const RETRY_AFTER_S = 5;
/** What one upload request can hold at once: the file being read and two batches being stored. */
const HOLD_INSTANCES = 3;
/** Seconds an uploader refused for the backlog is asked to wait: the workers drain it at tens of instances a second. */
const BACKLOG_RETRY_AFTER_S = 15;
/** Least time between two reads of the de-identification backlog (each process reads its own). */
const BACKLOG_REFRESH_MS = 1_000;

export const uploadBudgetPlugin = fp(
  async (app) => {
    const { ingest } = app.deps.config;
    const budget = new ByteBudget(ingest.keyBytesInFlight, ingest.processBytesInFlight);
    const { jobs } = app.deps;
    const backlog = jobs && new BacklogGauge(() => jobs.backlog('InstanceDeidentify'), { maxTotal: ingest.maxBacklog, maxPerOrg: ingest.maxOrgBacklog, refreshMs: BACKLOG_REFRESH_MS }, {
      onError: (error) => app.log.warn({ err: error }, 'could not read the de-identification backlog: uploads admitted without it'),
    });
    const holdCap = HOLD_INSTANCES * ingest.maxInstanceBytes;
    const releases = new WeakMap<object, () => void>();
    const release = (request: object): void => releases.get(request)?.();

    app.addHook('onRequest', (request, reply, done) => {
      if (request.is404 || !request.routeOptions.config.uploadBytes || !request.auth) return done();
      const full = backlog?.check(request.auth.orgId);
      if (full) {
        reply.header('retry-after', BACKLOG_RETRY_AFTER_S);
        return done(new InputLimitError(full.refused, full.max, 'The de-identification backlog', { retryAfterSeconds: BACKLOG_RETRY_AFTER_S }));
      }
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
