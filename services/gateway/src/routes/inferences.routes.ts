// Public inference API: POST /v1/inferences (one or several models; study, instances or an
// uploaded file de-identified in memory), synchronous with ?wait=true or 202 + polling/webhook
// (a durable InferenceRun job; inference/inference.submit.ts here, @medgrade/inference-runs' worker
// in services/inference-worker).
import { CreateInferenceBodySchema, IdParamsSchema, InferenceQuerySchema, InferenceSchema, InferenceSubmittedSchema, NotFoundError, ErrorResponseSchema } from '@medgrade/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { isFinal, toInferenceDto } from '@medgrade/inference-runs';
import { submitInference, type SubmitContext } from '../inference/inference.submit.ts';

const tags = ['inferences'];

export const inferenceRoutes: FastifyPluginAsyncZod = async (app) => {
  const { prisma, config, store, jobs, inference: client } = app.deps;
  const secretKey = config.secrets.projectSecretKeyBytes;
  const context = (): SubmitContext => ({
    prisma, client, auditLog: app.auditLog, log: app.log, store, jobs, secretKey,
    allowPrivateNetworks: config.webhooks.allowPrivateNetworks, requireHttps: !config.dev, instances: app.repos.instances, inferences: app.repos.inferences, registry: app.registry, leaseMs: config.inferenceWorker.runLeaseMs,
  });

  app.post('/v1/inferences', {
    config: { scopes: ['inference:run'] },
    bodyLimit: 64 * 1024 * 1024,
    schema: {
      tags, operationId: 'inferences.create', summary: 'Run one or several models on a study, instances or an uploaded DICOM file (de-identified first, never stored raw)',
      querystring: InferenceQuerySchema, body: CreateInferenceBodySchema,
      response: { 200: InferenceSubmittedSchema, 202: InferenceSubmittedSchema, 404: ErrorResponseSchema, 422: ErrorResponseSchema, 503: ErrorResponseSchema, 504: ErrorResponseSchema },
    },
  }, async (request, reply) => {
    const result = await submitInference(context(), {
      body: request.body, auth: request.auth, wait: request.query.wait, requestId: request.id,
      audit: (event) => request.audit(event),
    });
    return reply.code(result.status).send(result.body);
  });
  app.get('/v1/inferences/:id', {
    config: { scopes: ['inference:run'] },
    schema: { tags, operationId: 'inferences.get', summary: 'Get an inference and its results', params: IdParamsSchema, response: { 200: InferenceSchema } },
  }, async (request) => {
    const row = await app.repos.inferences.get(request.auth, request.params.id);
    if (!row) throw new NotFoundError('Inference');
    // Results are derived from patient data: who read which inference's results is audited (ids only,
    // no outputs), once per key and inference. SDK/CLI polling reads every 0.5-5 s: a read before the
    // final state carries no results, and later reads by the same key add nothing to the trail.
    if (isFinal(row)) await request.auditOnce({ action: 'inference.read', resourceType: 'inference', resourceId: row.id, projectId: row.projectId, details: { status: row.status } });
    return toInferenceDto(row);
  });
};
