// The route the gateway uses for study inference: de-identified instances (object keys under
// the organization's deid/ prefix, or de-identified bytes inline) through one model version.
// An instance that cannot be used (unsupported encoding, wrong modality) gets its own error
// entry; the others still run.
import { BadRequestError, ErrorResponseSchema, InternalInferRequestSchema, InternalInferResponseSchema, type InstanceResult, type InternalInferRequest } from '@medgrade/contracts';
import { dicomToModelInput, ModelInputError, PixelDecodeError, type Manifest, type PixelLimits } from '@medgrade/model-runtime';
import { getBuffer, isDeidKeyOf, type ObjectStore } from '@medgrade/storage';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { raceAbort, requestDeadline } from '../deadline.ts';
import { observed } from '../metrics.ts';
import type { ServingContext } from './serving.context.ts';

type Input = InternalInferRequest['inputs'][number];
type Prepared = { index: number; pixels: Float32Array } | { index: number; error: { code: string; message: string } };

async function inputBytes(store: ObjectStore, orgId: string, input: Input): Promise<Uint8Array> {
  if ('dicomBase64' in input) return Buffer.from(input.dicomBase64, 'base64');
  // Defence in depth: the gateway already scoped the study to the caller's organization.
  if (!isDeidKeyOf(orgId, input.objectKey)) throw new BadRequestError('objectKey must name a de-identified instance of the organization');
  return getBuffer(store, input.objectKey);
}

async function prepare(store: ObjectStore, body: InternalInferRequest, manifest: Manifest, limits: PixelLimits): Promise<Prepared[]> {
  return Promise.all(body.inputs.map(async (input, index): Promise<Prepared> => {
    const bytes = await inputBytes(store, body.orgId, input);
    try {
      return { index, pixels: dicomToModelInput(bytes, manifest, limits) };
    } catch (e) {
      if (e instanceof PixelDecodeError || e instanceof ModelInputError) return { index, error: { code: e.code, message: e.message } };
      throw e;
    }
  }));
}

export const internalRoutes: FastifyPluginAsyncZod<ServingContext> = async (app, ctx) => {
  const { store, cache, metrics, requestTimeoutMs } = ctx;
  app.post('/internal/v1/infer', {
    schema: {
      tags: ['internal'], summary: 'Study inference for the gateway', body: InternalInferRequestSchema,
      response: { 200: InternalInferResponseSchema, 400: ErrorResponseSchema, 401: ErrorResponseSchema, 404: ErrorResponseSchema, 422: ErrorResponseSchema, 504: ErrorResponseSchema },
    },
  }, async (request, reply) => {
    const body = request.body;
    const key = { orgId: body.orgId, name: body.name, version: body.version };
    const deadline = requestDeadline(reply, requestTimeoutMs);
    return observed(metrics, `${key.name}@${key.version}`, 'internal', async () => {
      const t0 = performance.now();
      const { model } = await raceAbort(cache.acquire(key), deadline.signal);
      const t1 = performance.now();
      const prepared = await prepare(store, body, model.manifest, ctx.pixelLimits);
      const t2 = performance.now();
      const results = await Promise.all(prepared.map(async (p): Promise<InstanceResult> => {
        if ('error' in p) return p;
        const r = await cache.submit(key, { pixels: p.pixels, prompt: body.prompt, candidates: body.candidates }, deadline.signal);
        return { index: p.index, ...(r.text === undefined ? {} : { text: r.text }), ...(r.labels ? { labels: r.labels } : {}), ...(r.zeroShot ? { zeroShot: r.zeroShot } : {}) };
      }));
      const t3 = performance.now();
      return { model: { name: key.name, version: key.version }, results, timings: { loadMs: t1 - t0, preprocessMs: t2 - t1, inferMs: t3 - t2, totalMs: t3 - t0 } };
    }).finally(deadline.done);
  });
};
