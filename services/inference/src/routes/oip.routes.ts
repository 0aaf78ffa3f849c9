// Open Inference Protocol v2 (KServe / Triton REST): model metadata, readiness and infer.
// Called by the gateway (service credential + organization header); tensors in, tensors out.
import { ErrorResponseSchema, OipInferResponseSchema, OipModelMetadataSchema, OipServerMetadataSchema } from '@medgrade/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { raceAbort, requestDeadline } from '../deadline.ts';
import { installBinaryTensors } from '../oip.binary.ts';
import { InferRequestSchema, ModelParamsSchema } from '../oip.schema.ts';
import { outputsFromResults, requestsFromOip, tensorMetadata } from '../oip.tensors.ts';
import { orgOf, readManifest, resolveKey, storedVersions } from '../model.source.ts';
import { observed } from '../metrics.ts';
import type { ServingContext } from './serving.context.ts';

const errors = { 400: ErrorResponseSchema, 401: ErrorResponseSchema, 404: ErrorResponseSchema, 422: ErrorResponseSchema, 504: ErrorResponseSchema };
const MODEL = '/v2/models/:name';
const VERSION = '/v2/models/:name/versions/:version';

export const oipRoutes: FastifyPluginAsyncZod<ServingContext> = async (app, ctx) => {
  const { store, cache, metrics, requestTimeoutMs } = ctx;
  // Protocol extensions, each added by the code that installs it: GET /v2 lists only what is served.
  const extensions = [installBinaryTensors(app)];

  app.get('/v2', {
    schema: { tags: ['oip'], summary: 'Server metadata', response: { 200: OipServerMetadataSchema } },
  }, async () => ({ name: 'medgrade-inference', version: '1', extensions }));

  for (const url of [MODEL, VERSION]) {
    app.get(url, {
      schema: { tags: ['oip'], summary: 'Model metadata', params: ModelParamsSchema, response: { 200: OipModelMetadataSchema, ...errors } },
    }, async (request) => {
      const orgId = orgOf(request);
      const key = await resolveKey(store, orgId, request.params.name, request.params.version);
      const manifest = await readManifest(store, key);
      const versions = request.params.version ? [key.version] : await storedVersions(store, orgId, key.name);
      return { name: key.name, versions, platform: 'onnxruntime_onnx', ...tensorMetadata(manifest) };
    });

    app.get(`${url}/ready`, {
      schema: { tags: ['oip'], summary: 'Load the model version if needed; 200 once it can serve', params: ModelParamsSchema, response: { 200: z.object({ name: z.string(), version: z.string(), ready: z.boolean() }), ...errors } },
    }, async (request) => {
      const key = await resolveKey(store, orgOf(request), request.params.name, request.params.version);
      await cache.acquire(key);
      return { name: key.name, version: key.version, ready: true };
    });

    app.post(`${url}/infer`, {
      schema: { tags: ['oip'], summary: 'Run inference on raw tensors', params: ModelParamsSchema, body: InferRequestSchema, response: { 200: OipInferResponseSchema, ...errors } },
    }, async (request, reply) => {
      const key = await resolveKey(store, orgOf(request), request.params.name, request.params.version);
      const deadline = requestDeadline(reply, requestTimeoutMs);
      return observed(metrics, `${key.name}@${key.version}`, 'oip', async () => {
        // A loaded version is used at once; only a load is raced against the deadline.
        const entry = cache.loadedVersion(key) ?? await raceAbort(cache.acquire(key), deadline.signal);
        const { model } = entry;
        const requests = requestsFromOip(request.body, model.manifest);
        const results = await Promise.all(requests.map((r) => cache.submitTo(entry, r, deadline.signal)));
        const outputs = outputsFromResults(results, model.manifest, request.body.outputs);
        return { model_name: key.name, model_version: key.version, ...(request.body.id ? { id: request.body.id } : {}), outputs };
      }).finally(deadline.done);
    });
  }
};
