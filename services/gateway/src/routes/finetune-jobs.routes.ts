// Fine-tuning jobs: the gateway stores and answers; services/training-orchestrator runs them
// (packages/training FinetuneJobs holds the domain). A rejected request stores nothing: every
// check runs before the one transaction that writes the job, its first event and the audit event.
import {
  CancelFinetuneJobBodySchema, CreateFinetuneJobBodySchema, ErrorResponseSchema, FinetuneEventPageSchema, FinetuneEventsQuerySchema, FinetuneJobCreatedSchema, FinetuneJobListQuerySchema,
  FinetuneJobSchema, IdParamsSchema,
} from '@medgrade/contracts';
import { FinetuneJobs, FinetuneRepository, toFinetuneJobDto } from '@medgrade/training/jobs';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

const tags = ['finetune-jobs'];
const errors = { 404: ErrorResponseSchema, 409: ErrorResponseSchema, 422: ErrorResponseSchema };

export const finetuneJobRoutes: FastifyPluginAsyncZod = async (app) => {
  const jobs = new FinetuneJobs(new FinetuneRepository(app.deps.prisma));

  app.post('/v1/finetune-jobs', {
    config: { scopes: ['finetune:write'] },
    schema: {
      tags, operationId: 'finetuneJobs.create', summary: 'Start fine-tuning a base model on a dataset snapshot (validated before any GPU time)',
      body: CreateFinetuneJobBodySchema, response: { 202: FinetuneJobCreatedSchema, 404: ErrorResponseSchema, 422: ErrorResponseSchema },
    },
  }, async (request, reply) => {
    const job = await jobs.create(request.auth, request.body, async (tx, created) => {
      await request.audit({ action: 'finetune.create', resourceType: 'finetune_job', resourceId: created.id, details: { baseModel: request.body.baseModel, datasetSnapshotId: created.datasetSnapshotId, method: created.method, priority: created.priority } }, tx);
    });
    return reply.code(202).send({ id: job.id, status: job.status });
  });

  app.get('/v1/finetune-jobs', {
    config: { scopes: ['finetune:write'] },
    schema: { tags, operationId: 'finetuneJobs.list', summary: 'List fine-tuning jobs, newest first', querystring: FinetuneJobListQuerySchema, response: { 200: z.object({ items: z.array(FinetuneJobSchema) }) } },
  }, async (request) => ({ items: (await jobs.list(request.auth, request.query)).map(toFinetuneJobDto) }));

  app.get('/v1/finetune-jobs/:id', {
    config: { scopes: ['finetune:write'] },
    schema: { tags, operationId: 'finetuneJobs.get', summary: 'Get a fine-tuning job (a queued one says why it waits and where it stands)', params: IdParamsSchema, response: { 200: FinetuneJobSchema, 404: ErrorResponseSchema } },
  }, async (request) => toFinetuneJobDto(await jobs.get(request.auth, request.params.id)));

  app.get('/v1/finetune-jobs/:id/events', {
    config: { scopes: ['finetune:write'] },
    schema: {
      tags, operationId: 'finetuneJobs.listEvents', summary: 'A job\'s events after a cursor: state changes, step/loss/lr/eta, checkpoints, evaluation',
      params: IdParamsSchema, querystring: FinetuneEventsQuerySchema, response: { 200: FinetuneEventPageSchema, 404: ErrorResponseSchema },
    },
  }, async (request) => jobs.events(request.auth, request.params.id, request.query.after, request.query.limit));

  app.post('/v1/finetune-jobs/:id/cancel', {
    config: { scopes: ['finetune:write'] },
    schema: { tags, operationId: 'finetuneJobs.cancel', summary: 'Cancel a fine-tuning job (a running attempt is stopped; a finished job answers 409)', params: IdParamsSchema, body: CancelFinetuneJobBodySchema, response: { 200: FinetuneJobSchema, ...errors } },
  }, async (request) => {
    const job = await jobs.cancel(request.auth, request.params.id, async (tx) => {
      await request.audit({ action: 'finetune.cancel', resourceType: 'finetune_job', resourceId: request.params.id, ...(request.body?.reason ? { details: { reason: request.body.reason } } : {}) }, tx);
    });
    return toFinetuneJobDto(job);
  });
};
