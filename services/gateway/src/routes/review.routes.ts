// Burned-in review: instances the de-identification worker held because burned-in text is likely
// (project policy QUARANTINE: REJECTED BURNED_IN_REVIEW, raw upload kept). A reviewer lists them
// (GET /v1/review), looks at each (GET /v1/review/{id}/preview: the raw image rendered as WADO
// /rendered renders, never cached) and decides each once:
// - approve → the row goes back to RECEIVED with the reviewer's key id and its job is queued again;
//   the worker de-identifies it keeping the pixel data as accepted (DeidentificationMethod says so);
// - reject → REJECTED REVIEW_REJECTED, then the raw upload is deleted.
// All need `review:write` (or admin) and are audited with the reviewer's key; a decision's reason is
// a code (ReviewReasonCodeSchema), never free text, so nothing read off the pixels reaches the audit.
// Undecided for RAW_RETENTION_HOURS, a review expires (deid-worker).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  BadRequestError, binaryResponse, ConflictError, ErrorResponseSchema, NotFoundError, ReviewDecisionBodySchema, ReviewDecisionSchema, ReviewItemSchema, ReviewListQuerySchema,
  pageOf, type AppError,
} from '@medgrade/contracts';
import { getBuffer, ObjectNotFoundError } from '@medgrade/storage';
import { renderFirstFramePng } from '../dicomweb/rendered.image.ts';
import type { ReviewDecision, ReviewItem } from '@medgrade/db';

const tags = ['review'];
const InstanceParamsSchema = z.object({ instanceId: z.uuid().describe('Instance id (GET /v1/review)') });
const errors = { 404: ErrorResponseSchema, 409: ErrorResponseSchema };
const HOUR_MS = 3600_000;

/** The wire form of the keyset cursor: `<uploadedAt ISO>_<id>`, opaque to clients. */
const CURSOR = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const m = CURSOR.exec(cursor);
  const createdAt = m ? new Date(m[1]!) : undefined;
  if (!m || Number.isNaN(createdAt!.getTime())) throw new BadRequestError('cursor is not a nextCursor of GET /v1/review: pass nextCursor of the previous page unchanged, or omit it', { key: 'cursor' });
  return { createdAt: createdAt!, id: m[2]! };
}

const rejected = (id: string) => ({ id, decision: 'rejected' as const, status: 'REJECTED' as const, errorCode: 'REVIEW_REJECTED' as const });

function refusal(reason: Exclude<ReviewDecision<unknown>, { ok: true }>['reason'] | 'gone'): AppError {
  if (reason === 'not-found') return new NotFoundError('Instance');
  if (reason === 'decided') return new ConflictError('This instance is not awaiting review: it was decided already, or its review expired');
  if (reason === 'gone') return new ConflictError('This instance\'s raw upload is gone (its review was decided or expired meanwhile): nothing to preview');
  return new ConflictError('Another instance with this SOP Instance UID was stored since this one was held: reject this one');
}

export const reviewRoutes: FastifyPluginAsyncZod = async (app) => {
  const { reviews } = app.repos;
  const { config } = app.deps;
  const toDto = (r: ReviewItem) => ({
    id: r.id, projectId: r.projectId, uploadId: r.uploadId, sopClassUid: r.sopClassUid, reason: 'BURNED_IN_REVIEW' as const,
    uploadedAt: r.createdAt.toISOString(), expiresAt: new Date(r.createdAt.getTime() + config.retention.rawHours * HOUR_MS).toISOString(),
  });

  app.get('/v1/review', {
    config: { scopes: ['review:write'] },
    schema: {
      tags, operationId: 'reviews.list', summary: 'Instances held for burned-in review, oldest upload first',
      description: 'Instances of the key\'s scope that the project\'s burned-in policy (QUARANTINE) held for a person\'s decision. Their raw uploads are kept until decided or until `expiresAt`.',
      querystring: ReviewListQuerySchema, response: { 200: pageOf(ReviewItemSchema) },
    },
  }, async (request) => {
    const { limit, cursor, projectId } = request.query;
    const rows = await reviews.list(request.auth, { limit, projectId, after: cursor ? decodeCursor(cursor) : undefined });
    await request.audit({ action: 'review.list', resourceType: 'instance', details: { results: rows.length } });
    const last = rows.at(-1);
    return { items: rows.map(toDto), nextCursor: rows.length === limit && last ? `${last.createdAt.toISOString()}_${last.id}` : null };
  });

  app.get('/v1/review/:instanceId/preview', {
    config: { scopes: ['review:write'] },
    schema: {
      tags, operationId: 'reviews.preview', summary: 'The held raw image, rendered as PNG for the reviewer (never cached)',
      description: 'Frame 1 of the raw upload rendered as WADO-RS `/rendered` renders by default (rescale, the header\'s window or the value range, 8 bits), with the same pixel and decompression limits. '
        + 'Served with `Cache-Control: no-store`: the image may show identifying text. 409 when the instance is not awaiting review (decided already, or expired) or its raw upload is gone; 422 when its pixel data cannot be rendered.',
      params: InstanceParamsSchema, produces: ['image/png'],
      response: { 200: binaryResponse('The raw image, rendered (image/png)', ['image/png']), ...errors, 422: ErrorResponseSchema },
    },
  }, async (request, reply) => {
    const { instanceId } = request.params;
    const held = await reviews.held(request.auth, instanceId);
    if (!held.ok) throw refusal(held.reason);
    const { store } = app.deps;
    if (!store) throw refusal('gone');
    const raw = await getBuffer(store, held.row.quarantineKey).catch((error: unknown) => {
      throw error instanceof ObjectNotFoundError ? refusal('gone') : error;
    });
    const { maxFramePixels, maxInflatedBytes } = config.ingest;
    const png = renderFirstFramePng(raw, { maxFramePixels, maxInflatedBytes });
    await request.audit({ action: 'review.previewed', projectId: held.row.projectId, resourceType: 'instance', resourceId: instanceId });
    return reply.header('cache-control', 'no-store').type('image/png').send(png);
  });

  app.post('/v1/review/:instanceId/approve', {
    config: { scopes: ['review:write'] },
    schema: {
      tags, operationId: 'reviews.approve', summary: 'Approve a held instance: de-identify and keep it with its pixel data (reason code audited)',
      description: 'The instance is queued for de-identification again; the worker keeps the pixel data as the reviewer accepted it, flags the instance and records the review in its DeidentificationMethod. '
        + '409 when it is not awaiting review (decided already, or expired) or when another instance of its SOP Instance UID was stored since.',
      params: InstanceParamsSchema, body: ReviewDecisionBodySchema, response: { 202: ReviewDecisionSchema, ...errors },
    },
  }, async (request, reply) => {
    const { instanceId } = request.params;
    const decided = await reviews.approve(request.auth, instanceId, request.auth.keyId, (tx, row) =>
      request.audit({ action: 'review.approved', projectId: row.projectId, resourceType: 'instance', resourceId: row.id, details: { reasonCode: request.body.reasonCode } }, tx));
    if (!decided.ok) throw refusal(decided.reason);
    // The decision is committed: a failed enqueue (or a gateway without a queue) leaves a RECEIVED
    // row, which the ingest reconciler queues once it is older than its grace period.
    await app.deps.jobs?.requeueMany('InstanceDeidentify', [{ requestId: request.id, instanceId }])
      .catch((error: unknown) => request.log.warn({ err: error, instanceId }, 'could not queue an approved instance: the ingest reconciler will'));
    return reply.code(202).send({ id: instanceId, decision: 'approved', status: 'RECEIVED', errorCode: null });
  });

  app.post('/v1/review/:instanceId/reject', {
    config: { scopes: ['review:write'] },
    schema: {
      tags, operationId: 'reviews.reject', summary: 'Reject a held instance: its raw upload is deleted (reason code audited)',
      description: 'The instance ends REJECTED with errorCode REVIEW_REJECTED and its raw upload is deleted. 409 when it is not awaiting review (decided already, or expired).',
      params: InstanceParamsSchema, body: ReviewDecisionBodySchema, response: { 200: ReviewDecisionSchema, ...errors },
    },
  }, async (request) => {
    const { instanceId } = request.params;
    const decided = await reviews.reject(request.auth, instanceId, (tx, row) =>
      request.audit({ action: 'review.rejected', projectId: row.projectId, resourceType: 'instance', resourceId: row.id, details: { reasonCode: request.body.reasonCode } }, tx));
    if (!decided.ok) throw refusal(decided.reason);
    // The decision is committed: a failed deletion (or a gateway without a store) is finished by
    // the deid-worker's retention sweep, which deletes the raw objects of REJECTED rows.
    const { store } = app.deps;
    try {
      if (!store) return rejected(instanceId);
      if (decided.row.quarantineKey) await store.deleteMany([decided.row.quarantineKey]);
      await reviews.forgetRaw(request.auth, instanceId);
    } catch (error) {
      request.log.warn({ err: error, instanceId }, 'could not delete a rejected raw upload: the retention sweep will');
    }
    return rejected(instanceId);
  });
};
