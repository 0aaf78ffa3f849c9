// Model registry: models, immutable versions uploaded as bundles, draft → validated → released →
// retired. Only the evaluation gate validates (packages/training); releasing a draft is an audited override.
import multipart from '@fastify/multipart';
import {
  CreateModelBodySchema, ErrorResponseSchema, ModelBundleBody, ModelNameParamsSchema, ModelSchema, ModelValidationSchema, ModelVersionDetailSchema, ModelVersionParamsSchema,
  ModelVersionRecordSchema, ReleaseBodySchema, StatusChangeBodySchema,
} from '@medgrade/contracts';
import { nextStatus, toModelDto, toVersionDto, validateBundle } from '@medgrade/registry';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { GZIP_TYPES, readBundleUpload } from '../bundles/bundle.upload.ts';
import { gunzipBounded } from '../bundles/tar.reader.ts';

const tags = ['models'];

export const modelRoutes: FastifyPluginAsyncZod = async (app) => {
  const { registry } = app;
  const maxBundleBytes = app.deps.config.models.maxBundleBytes;
  await app.register(multipart, { limits: { fileSize: maxBundleBytes, files: 32 } });

  app.post('/v1/models', {
    config: { scopes: ['models:write'] },
    schema: { tags, operationId: 'models.create', summary: 'Create a model', body: CreateModelBodySchema, response: { 201: ModelSchema } },
  }, async (request, reply) => {
    const model = await registry.create(request.auth, request.body);
    await request.audit({ action: 'model.create', resourceType: 'model', resourceId: model.id, details: { name: model.name } });
    return reply.code(201).send(toModelDto(model));
  });

  app.get('/v1/models', {
    config: { scopes: ['models:read'] },
    schema: { tags, operationId: 'models.list', summary: 'List models', response: { 200: z.object({ items: z.array(ModelSchema) }) } },
  }, async (request) => ({ items: (await registry.list(request.auth)).map(toModelDto) }));

  app.get('/v1/models/:name', {
    config: { scopes: ['models:read'] },
    schema: { tags, operationId: 'models.get', summary: 'Get a model', params: ModelNameParamsSchema, response: { 200: ModelSchema } },
  }, async (request) => toModelDto(await registry.get(request.auth, request.params.name)));

  // The .tar.gz parser lives in its own context with the bundle upload, the one route that takes it:
  // registered on the whole plugin it also inflated a gzip body sent to POST /v1/models, release or
  // retire, which then failed validation on a Buffer of up to maxBundleBytes (the fuzz suite's hang).
  const bundleContext: FastifyPluginAsyncZod = async (bundles) => {
    // A .tar.gz body is inflated while it streams in (bounded either side), never buffered whole first.
    bundles.addContentTypeParser(GZIP_TYPES, { bodyLimit: maxBundleBytes }, (_req, body, done) => {
      gunzipBounded(body, maxBundleBytes).then((tar) => done(null, tar), (error: Error) => done(error));
    });
    bundles.post('/v1/models/:name/versions', {
      config: { scopes: ['models:write'] },
      bodyLimit: maxBundleBytes,
      schema: {
        tags, operationId: 'modelVersions.create', summary: 'Upload a version: multipart/form-data (one part per bundle file) or one application/gzip .tar.gz; validated before storing',
        requestBody: ModelBundleBody, params: ModelNameParamsSchema, response: { 201: ModelVersionRecordSchema, 409: ErrorResponseSchema, 415: ErrorResponseSchema, 422: ErrorResponseSchema },
      },
    }, async (request, reply) => {
      const model = await registry.getForWrite(request.auth, request.params.name);
      const files = await readBundleUpload(request, maxBundleBytes);
      const manifest = await validateBundle(files);
      const version = await registry.addVersion(request.auth, model, manifest, files);
      await request.audit({ action: 'model.version.upload', resourceType: 'model_version', resourceId: version.id, details: { name: model.name, version: version.version, files: manifest.files.map((f) => ({ path: f.path, sha256: f.sha256 })) } });
      return reply.code(201).send(toVersionDto(version, model.name));
    });
  };
  await app.register(bundleContext);

  app.get('/v1/models/:name/versions', {
    config: { scopes: ['models:read'] },
    schema: { tags, operationId: 'modelVersions.list', summary: 'List versions of a model', params: ModelNameParamsSchema, response: { 200: z.object({ items: z.array(ModelVersionRecordSchema) }) } },
  }, async (request) => ({ items: (await registry.versions(request.auth, request.params.name)).map((v) => toVersionDto(v, request.params.name)) }));

  app.get('/v1/models/:name/versions/:version', {
    config: { scopes: ['models:read'] },
    schema: { tags, operationId: 'modelVersions.get', summary: 'Get a version with its manifest, model card and evaluation', params: ModelVersionParamsSchema, response: { 200: ModelVersionDetailSchema } },
  }, async (request) => {
    const { version } = await registry.version(request.auth, request.params.name, request.params.version);
    const evaluation = await registry.bundleFile(version, 'evaluation.json');
    return {
      ...toVersionDto(version, request.params.name), modelCard: await registry.bundleFile(version, 'MODEL_CARD.md'),
      evaluation: evaluation === null ? null : (JSON.parse(evaluation) as unknown), validation: ModelValidationSchema.nullable().parse(version.validation),
    };
  });

  for (const action of ['release', 'retire'] as const) {
    app.post(`/v1/models/:name/versions/:version/${action}`, {
      config: { scopes: ['admin'] },
      schema: {
        tags, operationId: `modelVersions.${action}`, summary: action === 'release' ? 'Release a validated version, or a draft with override (admin; reason audited)' : 'Retire a version (admin; reason audited)',
        params: ModelVersionParamsSchema, body: action === 'release' ? ReleaseBodySchema : StatusChangeBodySchema, response: { 200: ModelVersionRecordSchema, 409: ErrorResponseSchema },
      },
    }, async (request) => {
      const { model, version } = await registry.version(request.auth, request.params.name, request.params.version, 'write');
      const body = request.body as { reason: string; override?: boolean };
      const step = nextStatus(action, version.status, body.override === true);
      const details = { name: model.name, version: version.version, from: version.status, to: step.to, reason: body.reason, ...(action === 'release' ? { override: step.override } : {}) };
      const updated = await registry.setStatus(version, step.to, (tx) => request.audit({ action: `model.version.${action}`, resourceType: 'model_version', resourceId: version.id, details }, tx));
      return toVersionDto(updated, model.name);
    });
  }
};
