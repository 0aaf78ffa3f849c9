// Open Inference Protocol v2 (KServe / Triton REST) for API-key clients: model metadata, readiness
// and infer on the gateway, forwarded to services/inference with the service credential once the
// registry has resolved the name to a version this key may run. Infer bodies (JSON tensors or the
// binary extension) stream through unparsed; every infer call is audited without tensor data.
// Scopes: infer and ready need inference:run (ready loads the version into serving memory);
// metadata needs models:read or inference:run (a tensor client reads it before its first call).
// /v2/health/* are public OIP server probes that include the inference service; the gateway's own
// /health/* stay the orchestrator probes. GET /v2 (server metadata) is public like them: it holds
// no tenant data.
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import {
  AppError, BadRequestError, ErrorResponseSchema, OIP_BINARY_HEADER, OipInferBodySchema, OipInferHeadersSchema, OipInferResponseSchema,
  OipLiveSchema, OipModelMetadataSchema, OipModelParamsSchema, OipModelReadySchema, OipReadySchema, OipServerMetadataSchema, OipVersionParamsSchema, type OipModelMetadata, type Scope,
} from '@medgrade/contracts';
import { upstreamError } from '@medgrade/inference-runs';
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { postgresCheck } from '@medgrade/service';
import { forwardedType, limitedBody, passBodiesThrough } from '../oip/oip.body.ts';
import { resolveOipModel, runnableVersions } from '../oip/oip.models.ts';

const tags = ['oip'];
const HEALTH_TIMEOUT_MS = 2000;
const METADATA_SCOPES: Scope[] = ['models:read', 'inference:run'];
// Besides the statuses every route gets by its traits (413/415 for the infer bodies among them).
const errors = { 422: ErrorResponseSchema, 503: ErrorResponseSchema, 504: ErrorResponseSchema };
const MODEL_URLS = [
  { url: '/v2/models/:name', params: OipModelParamsSchema, which: 'the latest released version', op: 'model' },
  { url: '/v2/models/:name/versions/:version', params: OipVersionParamsSchema, which: 'a version (drafts need models:write)', op: 'modelVersion' },
] as const;

/** Aborted when the client goes away before its response is complete, so the service drops the work. */
function abortOnClose(reply: FastifyReply): AbortController {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort(new Error('client closed the connection'));
  });
  return controller;
}

export const oipRoutes: FastifyPluginAsyncZod = async (app) => {
  const { prisma, config, inference: upstream } = app.deps;
  const { registry } = app;
  const postgres = postgresCheck(prisma, config.database.url);
  const maxBytes = config.gateway.oipMaxRequestBytes;
  // The binary extension reaches the service as sent, so the gateway lists what it lets through.
  const extensions = passBodiesThrough(app, maxBytes);

  app.get('/v2', {
    config: { public: true },
    schema: { tags, operationId: 'oip.serverMetadata', summary: 'OIP server metadata: name, version and the protocol extensions served (binary_tensor_data)', response: { 200: OipServerMetadataSchema } },
  }, async () => ({ name: 'medgrade', version: '1', extensions }));

  app.get('/v2/health/live', {
    config: { public: true },
    schema: { tags, operationId: 'oip.serverLive', summary: 'OIP server liveness (the gateway answers)', response: { 200: OipLiveSchema } },
  }, async () => ({ live: true }));

  app.get('/v2/health/ready', {
    config: { public: true },
    schema: { tags, operationId: 'oip.serverReady', summary: 'OIP server readiness: the inference service and Postgres answer', response: { 200: OipReadySchema, 503: OipReadySchema } },
  }, async (_request, reply) => {
    const checks = await Promise.all([upstream.ready(HEALTH_TIMEOUT_MS), postgres.check().then(() => true, () => false)]);
    const ready = checks.every(Boolean);
    return reply.code(ready ? 200 : 503).send({ ready });
  });

  // operationIds follow the protocol's own names (ModelMetadata, ModelReady, ModelInfer).
  for (const { url, params, which, op } of MODEL_URLS) {
    app.get(url, {
      config: { anyScopes: METADATA_SCOPES },
      schema: { tags, operationId: `oip.${op}Metadata`, summary: `Model metadata (tensor names, types, shapes) of ${which}`, params, response: { 200: OipModelMetadataSchema, ...errors } },
    }, async (request) => {
      const { name, version } = request.params as { name: string; version?: string };
      const model = await resolveOipModel(registry, request.auth, name, version);
      const meta = (await upstream.oipModel({ orgId: request.auth.orgId, ...model }, '')) as OipModelMetadata;
      return { ...meta, name: model.name, versions: version ? [model.version] : await runnableVersions(registry, request.auth, name) };
    });

    app.get(`${url}/ready`, {
      config: { scopes: ['inference:run'] },
      schema: { tags, operationId: `oip.${op}Ready`, summary: `Load ${which} for serving; 200 once it can serve`, params, response: { 200: OipModelReadySchema, ...errors } },
    }, async (request) => {
      const { name, version } = request.params as { name: string; version?: string };
      const model = await resolveOipModel(registry, request.auth, name, version);
      await upstream.oipModel({ orgId: request.auth.orgId, ...model }, '/ready');
      return { name: model.name, version: model.version, ready: true };
    });

    app.post(`${url}/infer`, {
      config: { scopes: ['inference:run'] },
      schema: {
        tags, operationId: `oip.${op}Infer`, summary: `Run ${which} on raw tensors: JSON, or Triton's binary tensor extension as application/octet-stream`,
        consumes: ['application/json', 'application/octet-stream'], params, headers: OipInferHeadersSchema, body: OipInferBodySchema,
        response: { 200: OipInferResponseSchema, ...errors },
      },
    }, async (request, reply) => {
      const { name, version } = request.params as { name: string; version?: string };
      const model = await resolveOipModel(registry, request.auth, name, version);
      const body = request.body as IncomingMessage | undefined;
      if (!body) throw new BadRequestError('Send the inference request as the body: JSON tensors, or binary tensors with ' + OIP_BINARY_HEADER);
      const type = forwardedType(request);
      const headerLength = request.headers[OIP_BINARY_HEADER];
      const controller = abortOnClose(reply);
      const count = { bytes: 0 };
      let status = 500;
      try {
        const res = await upstream.oipInfer({ orgId: request.auth.orgId, ...model }, limitedBody(body, maxBytes, count, controller), {
          'content-type': type, ...(typeof headerLength === 'string' ? { [OIP_BINARY_HEADER]: headerLength } : {}),
        }, controller.signal);
        if (!res.ok) throw await upstreamError(res);
        status = res.status;
        const outLength = res.headers.get(OIP_BINARY_HEADER);
        if (outLength) reply.header(OIP_BINARY_HEADER, outLength);
        reply.code(res.status).type(res.headers.get('content-type') ?? 'application/json');
        return reply.send((res.body ? Readable.fromWeb(res.body as WebReadableStream<Uint8Array>) : '') as never);
      } catch (error) {
        status = error instanceof AppError ? error.status : 500;
        throw error;
      } finally {
        await request.audit({
          action: 'inference.oip', resourceType: 'model_version', resourceId: model.versionId,
          details: { model: `${model.name}@${model.version}`, encoding: type === 'application/octet-stream' ? 'binary' : 'json', requestBytes: count.bytes, status },
        });
      }
    });
  }
};
