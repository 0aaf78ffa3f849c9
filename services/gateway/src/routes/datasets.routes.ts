// /v1/datasets: datasets of a project's de-identified studies, label import (JSON Lines, all rows
// or none), immutable snapshots. Thin: the domain is packages/training DatasetService.
import type { Readable } from 'node:stream';
import {
  CreateDatasetBodySchema, CreateSnapshotBodySchema, DatasetSchema, DatasetSnapshotSchema, ErrorResponseSchema, IdParamsSchema, LabelImportResultSchema,
  PageQuerySchema, PayloadTooLargeError, SnapshotManifestRowSchema, SnapshotParamsSchema, SnapshotRowsQuerySchema, UnsupportedMediaTypeError, pageOf,
} from '@medgrade/contracts';
import { DatasetService, toDatasetDto, toSnapshotDto, type AuditWrite } from '@medgrade/training';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

const tags = ['datasets'];
const JSONL_TYPES = ['application/x-ndjson', 'application/jsonl'];
const errors = { 400: ErrorResponseSchema, 404: ErrorResponseSchema };

/** Reads a JSON Lines body, refusing it as soon as it passes the configured limit (413 naming it). */
function readLimited(payload: Readable, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    payload.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        payload.destroy();
        reject(new PayloadTooLargeError(`The label file is larger than DATASET_LABELS_MAX_BYTES (${maxBytes} bytes): split it into several requests`, { limit: 'DATASET_LABELS_MAX_BYTES', maxBytes }));
        return;
      }
      chunks.push(chunk);
    });
    payload.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    payload.on('error', reject);
  });
}

/** Refuses any body but JSON Lines before validation (text/plain and JSON would otherwise parse). */
async function requireJsonLines(request: FastifyRequest): Promise<void> {
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (!JSONL_TYPES.includes(type)) throw new UnsupportedMediaTypeError(`Send the labels as ${JSONL_TYPES.join(' or ')} (one JSON object per line)`);
}

function auditIn(request: FastifyRequest): AuditWrite {
  return (event, tx) => request.audit(event, tx);
}

export const datasetRoutes: FastifyPluginAsyncZod = async (app) => {
  const { prisma, store, config } = app.deps;
  const service = new DatasetService({ prisma, store, projectSecretKey: config.secrets.projectSecretKeyBytes, maxLabelRows: config.datasets.maxLabelRows });
  const datasets = () => service;
  app.addContentTypeParser(JSONL_TYPES, (_request, payload, done) => {
    readLimited(payload, config.datasets.maxLabelBytes).then((text) => done(null, text), (error: Error) => done(error));
  });
  const actor = (request: FastifyRequest) => ({ orgId: request.auth.orgId, projectId: request.auth.projectId, keyId: request.auth.keyId });

  app.post('/v1/datasets', {
    config: { scopes: ['finetune:write'] },
    schema: { tags, operationId: 'datasets.create', summary: 'Create a dataset in a project', body: CreateDatasetBodySchema, response: { 201: DatasetSchema, ...errors, 409: ErrorResponseSchema } },
  }, async (request, reply) => reply.code(201).send(toDatasetDto(await datasets().create(actor(request), request.body, auditIn(request)))));

  app.get('/v1/datasets', {
    config: { scopes: ['studies:read'] },
    schema: { tags, operationId: 'datasets.list', summary: 'List datasets, newest first', querystring: PageQuerySchema, response: { 200: pageOf(DatasetSchema), 400: ErrorResponseSchema } },
  }, async (request) => {
    const { items, nextCursor } = await datasets().list(actor(request), request.query.limit, request.query.cursor);
    return { items: items.map(toDatasetDto), nextCursor };
  });

  app.get('/v1/datasets/:id', {
    config: { scopes: ['studies:read'] },
    schema: { tags, operationId: 'datasets.get', summary: 'Get a dataset', params: IdParamsSchema, response: { 200: DatasetSchema, 404: ErrorResponseSchema } },
  }, async (request) => toDatasetDto(await datasets().get(actor(request), request.params.id)));

  app.post('/v1/datasets/:id/labels', {
    config: { scopes: ['finetune:write'] },
    preValidation: requireJsonLines,
    schema: {
      tags, operationId: 'datasets.importLabels', summary: 'Import labels (JSON Lines, one study per line): every row stored, or none',
      description: `Body: application/x-ndjson (or application/jsonl), one {"studyInstanceUid", "labels": {"<finding>": 0|1}, "report"?, "site"?, "patientId"?, "issuerOfPatientId"?, "accessionNumber"?, "patientName"?} per line; the UID is the uploaded or the de-identified one. Reports are de-identified before storage; the optional original identifiers are only searched for in the report and never stored. 200: all rows stored in one transaction (a study's earlier labels replaced). 422: some row was refused, nothing stored, details carry every row's result. Limits: DATASET_LABELS_MAX_BYTES, DATASET_LABELS_MAX_ROWS (413).`,
      consumes: JSONL_TYPES, params: IdParamsSchema, body: z.string().describe('JSON Lines'),
      response: { 200: LabelImportResultSchema, ...errors, 413: ErrorResponseSchema, 415: ErrorResponseSchema, 422: ErrorResponseSchema },
    },
  }, async (request) => datasets().importLabels(actor(request), request.params.id, request.body, auditIn(request)));

  app.post('/v1/datasets/:id/snapshots', {
    config: { scopes: ['finetune:write'] },
    schema: {
      tags, operationId: 'datasetSnapshots.create', summary: 'Create an immutable train/val/test snapshot (patient-disjoint, stratified by finding)',
      description: 'Writes train.jsonl, val.jsonl, test.jsonl (trainer manifests) and snapshot.json to the object store and records their SHA-256. Studies with an image flagged for burned-in text are left out; each study contributes one image. 422 when the dataset cannot make a snapshot (no usable study, mixed finding sets, missing reports).',
      params: IdParamsSchema, body: CreateSnapshotBodySchema, response: { 201: DatasetSnapshotSchema, ...errors, 422: ErrorResponseSchema, 503: ErrorResponseSchema },
    },
  }, async (request, reply) => reply.code(201).send(toSnapshotDto(await datasets().createSnapshot(actor(request), request.params.id, request.body, auditIn(request)))));

  app.get('/v1/datasets/:id/snapshots', {
    config: { scopes: ['studies:read'] },
    schema: { tags, operationId: 'datasetSnapshots.list', summary: 'List snapshots of a dataset, newest first (counts only)', params: IdParamsSchema, querystring: PageQuerySchema, response: { 200: pageOf(DatasetSnapshotSchema), ...errors } },
  }, async (request) => datasets().snapshots(actor(request), request.params.id, request.query.limit, request.query.cursor));

  app.get('/v1/datasets/:id/snapshots/:sid', {
    config: { scopes: ['studies:read'] },
    schema: { tags, operationId: 'datasetSnapshots.get', summary: 'Get a snapshot: counts per split and finding, manifest keys, SHA-256', params: SnapshotParamsSchema, response: { 200: DatasetSnapshotSchema, 404: ErrorResponseSchema } },
  }, async (request) => toSnapshotDto(await datasets().snapshot(actor(request), request.params.id, request.params.sid)));

  app.get('/v1/datasets/:id/snapshots/:sid/rows', {
    config: { scopes: ['studies:read'] },
    schema: {
      tags, operationId: 'datasetSnapshots.listRows', summary: 'List manifest rows of the train or val split (the test split is sealed and never listed)',
      params: SnapshotParamsSchema, querystring: SnapshotRowsQuerySchema, response: { 200: pageOf(SnapshotManifestRowSchema.extend({ studyId: z.uuid() })), ...errors },
    },
  }, async (request) => {
    const { split, limit, cursor } = request.query;
    return datasets().snapshotRows(actor(request), request.params.id, request.params.sid, split, limit, cursor);
  });
};
