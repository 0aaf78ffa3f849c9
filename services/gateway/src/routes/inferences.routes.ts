// Public inference API: POST /v1/inferences (one or several models; study, instances or an
// uploaded file de-identified in memory), synchronous with ?wait=true or 202 + polling/webhook.
import { randomBytes } from 'node:crypto';
import { projectSecretKeyBytes } from '@medgrade/config';
import { CreateInferenceBodySchema, IdParamsSchema, InferenceAcceptedSchema, InferenceQuerySchema, InferenceSchema, NotFoundError, ErrorResponseSchema } from '@medgrade/contracts';
import type { Prisma } from '@medgrade/db';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { httpInferenceClient } from '../inference/inference.client.ts';
import { resolveInputs, resolveModels } from '../inference/inference.inputs.ts';
import { runInference, toInferenceDto, type RunContext, type StoredRequest } from '../inference/inference.runner.ts';

const tags = ['inferences'];

export const inferenceRoutes: FastifyPluginAsyncZod = async (app) => {
  const { prisma, config } = app.deps;
  const secretKey = projectSecretKeyBytes(config.secrets.projectSecretKey);
  const client = app.deps.inference ?? httpInferenceClient(config.inference.url, config.inference.serviceToken);
  const context = (): RunContext => ({ prisma, client, auditLog: app.auditLog, log: app.log });

  app.post('/v1/inferences', {
    config: { scopes: ['inference:run'] },
    bodyLimit: 64 * 1024 * 1024,
    schema: {
      tags, summary: 'Run one or several models on a study, instances or an uploaded DICOM file (de-identified first, never stored)',
      querystring: InferenceQuerySchema, body: CreateInferenceBodySchema,
      response: { 200: InferenceSchema, 202: InferenceAcceptedSchema, 422: ErrorResponseSchema, 503: ErrorResponseSchema, 504: ErrorResponseSchema },
    },
  }, async (request, reply) => {
    const ctx = context();
    const { body, auth } = request;
    const models = await resolveModels(prisma, auth, body.models);
    const inputs = await resolveInputs(prisma, auth, body.input, secretKey);
    const stored: StoredRequest = { models, input: { kind: inputs.kind, instanceIds: inputs.instanceIds }, prompt: body.prompt, candidates: body.candidates, webhook: Boolean(body.webhookUrl) };
    const row = await prisma.inference.create({
      data: {
        orgId: auth.orgId, projectId: auth.projectId ?? ('projectId' in body.input ? body.input.projectId : null), modelVersionId: models[0]?.versionId ?? '',
        createdBy: auth.keyId, request: stored as unknown as Prisma.InputJsonValue,
      },
    });
    await request.audit({ action: 'inference.create', resourceType: 'inference', resourceId: row.id, details: { models: models.map((m) => `${m.name}@${m.version}`), inputKind: inputs.kind, instances: inputs.instanceIds.length } });
    const webhook = body.webhookUrl ? { url: body.webhookUrl, secret: randomBytes(32).toString('base64url') } : undefined;
    const job = { row, actor: auth.keyId, requestId: request.id, inputs, webhook };
    if (request.query.wait) return reply.code(200).send(await runInference(ctx, job));
    void runInference(ctx, job).catch(async (error: unknown) => {
      request.log.error({ err: error, inferenceId: row.id }, 'async inference failed');
      await prisma.inference.update({ where: { id: row.id }, data: { status: 'FAILED', errorCode: 'INTERNAL', completedAt: new Date() } }).catch(() => undefined);
    });
    return reply.code(202).send({ ...toInferenceDto(row), ...(webhook ? { webhookSecret: webhook.secret } : {}) });
  });

  app.get('/v1/inferences/:id', {
    config: { scopes: ['inference:run'] },
    schema: { tags, summary: 'Get an inference and its results', params: IdParamsSchema, response: { 200: InferenceSchema } },
  }, async (request) => {
    const { auth } = request;
    const row = await prisma.inference.findFirst({ where: { id: request.params.id, orgId: auth.orgId, ...(auth.projectId ? { projectId: auth.projectId } : {}) } });
    if (!row) throw new NotFoundError('Inference');
    return toInferenceDto(row);
  });
};
