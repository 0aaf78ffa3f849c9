// Open Inference Protocol v2 on the gateway for API-key clients, end to end on real Postgres,
// Redis, a filesystem object store and a real inference service listening on a port: JSON and
// binary tensors through the gateway give exactly what the inference service gives when called
// directly (reference model: the findings sentence of a synthetic study), registry rules (latest
// released, drafts, retired, other organizations), scopes, body limit, audit, health, OpenAPI.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildInferenceApp } from '@medgrade/inference';
import { dicomToModelInput, folderReader, readVerifiedBundle, type Manifest } from '@medgrade/model-runtime';
import { FsObjectStore } from '@medgrade/storage';
import { generateStudy, studyToDicom } from '@medgrade/synthetic';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleMultipart } from './bundle.multipart.ts';
import { createTestGateway, type TestGateway } from './gateway.harness.ts';

const REFERENCE = resolve(import.meta.dirname, '../../../model-bundles/medgrade-cxr-tiny/1');
const TINY = resolve(import.meta.dirname, '../../../packages/model-runtime/test/fixtures/tiny-bundle');
const TOKEN = 'gateway-oip-test-service-token';
const MAX_BYTES = 200_000;
const HELD_OUT_SEED = 2; // the reference model's evaluation seed: studies it never trained on

interface InferBody {
  model_name: string;
  model_version: string;
  id?: string;
  outputs: { name: string; shape: number[]; datatype: string; data: unknown[] }[];
}

function jsonBody(pixels: Float32Array, shape: number[]): string {
  return JSON.stringify({ id: 'req-1', inputs: [{ name: 'pixel_values', datatype: 'FP32', shape, data: Array.from(pixels) }] });
}

/** Triton binary tensor extension: JSON header, then the raw FP32 tensor. */
function binaryBody(pixels: Float32Array, shape: number[]): { body: Buffer; headerLength: string } {
  const raw = Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength);
  const header = Buffer.from(JSON.stringify({ id: 'req-1', inputs: [{ name: 'pixel_values', datatype: 'FP32', shape, parameters: { binary_data_size: raw.length } }] }));
  return { body: Buffer.concat([header, raw]), headerLength: String(header.length) };
}

describe('OIP v2 on the gateway', () => {
  let gw: TestGateway;
  let inference: FastifyInstance;
  let inferenceUrl: string;
  let root: string;
  let admin: { auth: string; orgId: string };
  let runner: string;
  let reader: string;
  let writer: string;
  let studiesOnly: string;
  let other: string;
  let manifest: Manifest;
  let pixels: Float32Array;
  let shape: number[];
  let report: string;

  async function register(name: string, dir: string, version: string, status: 'release' | 'retire' | 'draft'): Promise<void> {
    if ((await inject('GET', `/v1/models/${name}`, admin.auth)).statusCode === 404) expect((await inject('POST', '/v1/models', admin.auth, { name })).statusCode).toBe(201);
    const up = await bundleMultipart(dir, (files) => {
      const m = JSON.parse(files.get('manifest.json')!.toString()) as { version: string };
      files.set('manifest.json', Buffer.from(JSON.stringify({ ...m, version })));
    });
    expect((await inject('POST', `/v1/models/${name}/versions`, admin.auth, up.payload, up.headers)).statusCode).toBe(201);
    if (status !== 'draft') expect((await inject('POST', `/v1/models/${name}/versions/${version}/${status}`, admin.auth, { reason: 'oip test', ...(status === 'release' ? { override: true } : {}) })).statusCode).toBe(200);
  }

  const inject = (method: 'GET' | 'POST', url: string, auth: string | undefined, payload?: object | string | Buffer, headers: Record<string, string> = {}) =>
    gw.app.inject({ method, url, payload, headers: { ...headers, ...(auth ? { authorization: auth } : {}) } });
  const inferJson = (url: string, auth: string | undefined, body = jsonBody(pixels, shape)) => inject('POST', url, auth, body, { 'content-type': 'application/json' });
  const direct = (path: string, headers: Record<string, string>, body: string | Buffer) =>
    fetch(`${inferenceUrl}${path}`, { method: 'POST', headers: { ...headers, authorization: `Bearer ${TOKEN}`, 'x-medgrade-org': admin.orgId }, body });

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'gw-oip-'));
    const store = new FsObjectStore(join(root, 'objects'));
    inference = await buildInferenceApp({ store, config: { serviceToken: TOKEN, executionProviders: ['cpu'], intraOpThreads: 1, interOpThreads: 1, memoryBudgetMb: 256, maxBatchSize: 8, maxQueueDelayMs: 0, requestTimeoutMs: 60_000 } });
    inferenceUrl = await inference.listen({ host: '127.0.0.1', port: 0 });
    gw = await createTestGateway({ INFERENCE_URL: inferenceUrl, INFERENCE_SERVICE_TOKEN: TOKEN, OIP_MAX_REQUEST_BYTES: String(MAX_BYTES) }, { store });
    admin = await gw.key('oip-a', ['admin']);
    runner = (await gw.key('oip-a', ['inference:run'])).auth;
    reader = (await gw.key('oip-a', ['models:read'])).auth;
    writer = (await gw.key('oip-a', ['models:write', 'inference:run'])).auth;
    studiesOnly = (await gw.key('oip-a', ['studies:read'])).auth;
    other = (await gw.key('oip-b', ['admin'])).auth;
    await register('cxr', REFERENCE, '1', 'release');
    await register('tiny', TINY, '1', 'release');
    await register('tiny', TINY, '2', 'draft');
    await register('tiny', TINY, '3', 'retire');
    ({ manifest } = await readVerifiedBundle(folderReader(REFERENCE)));
    const study = generateStudy(HELD_OUT_SEED, 0, 'findings');
    report = study.report;
    pixels = dicomToModelInput(studyToDicom(study), manifest);
    shape = [1, manifest.input.channels, manifest.input.height, manifest.input.width];
  });
  afterAll(async () => {
    await gw?.close();
    await inference?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('infers JSON tensors exactly as the inference service does, with the latest released version', async () => {
    const res = await inferJson('/v2/models/cxr/infer', runner);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('application/json');
    const out = res.json() as InferBody;
    const viaService = (await (await direct('/v2/models/cxr/versions/1/infer', { 'content-type': 'application/json' }, jsonBody(pixels, shape))).json()) as InferBody;
    expect(out).toEqual(viaService);
    expect(out).toMatchObject({ model_name: 'cxr', model_version: '1', id: 'req-1' });
    // The reference model reads the held-out study's findings (>= 90% exact on its evaluation).
    expect(out.outputs.find((o) => o.name === 'text')?.data).toEqual([report]);
  });

  it('passes Triton binary tensors through unchanged, with or without a Content-Type', async () => {
    const { body, headerLength } = binaryBody(pixels, shape);
    const binary = { 'content-type': 'application/octet-stream', 'inference-header-content-length': headerLength };
    const viaService = (await (await direct('/v2/models/cxr/versions/1/infer', binary, body)).json()) as InferBody;
    const res = await inject('POST', '/v2/models/cxr/versions/1/infer', runner, body, binary);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(viaService);
    expect(viaService.outputs.find((o) => o.name === 'text')?.data).toEqual([report]);
    // tritonclient's HTTP client sends no Content-Type, only the header length.
    const bare = await inject('POST', '/v2/models/cxr/versions/1/infer', runner, body, { 'inference-header-content-length': headerLength });
    expect(bare.statusCode).toBe(200);
    expect(bare.json()).toEqual(viaService);
    // And the binary and JSON encodings of the same tensor give the same outputs.
    expect((await inferJson('/v2/models/cxr/versions/1/infer', runner)).json()).toEqual(viaService);
  });

  it('streams a chunked body over real HTTP, and refuses one over OIP_MAX_REQUEST_BYTES with 413', async () => {
    const url = await gw.app.listen({ host: '127.0.0.1', port: 0 });
    const { body, headerLength } = binaryBody(pixels, shape);
    async function* chunks(bytes: Buffer) {
      for (let i = 0; i < bytes.length; i += 4096) yield bytes.subarray(i, i + 4096);
    }
    const post = (bytes: Buffer) => fetch(`${url}/v2/models/cxr/infer`, {
      method: 'POST', headers: { authorization: runner, 'content-type': 'application/octet-stream', 'inference-header-content-length': headerLength }, body: chunks(bytes), duplex: 'half',
    } as RequestInit);
    const ok = await post(body);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as InferBody).outputs.find((o) => o.name === 'text')?.data).toEqual([report]);
    const big = Buffer.concat([body, Buffer.alloc(MAX_BYTES)]);
    const chunked = await post(big);
    expect(chunked.status).toBe(413);
    expect(((await chunked.json()) as { error: { code: string } }).error.code).toBe('PAYLOAD_TOO_LARGE');
    const declared = await inject('POST', '/v2/models/cxr/infer', runner, big, { 'content-type': 'application/octet-stream', 'inference-header-content-length': headerLength });
    expect(declared.statusCode).toBe(413);
    expect(declared.json().error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', details: { maxBytes: MAX_BYTES } });
  });

  it('answers metadata and readiness of versions this key may use', async () => {
    const meta = await inject('GET', '/v2/models/tiny', runner);
    expect(meta.statusCode).toBe(200);
    expect(meta.json()).toMatchObject({ name: 'tiny', versions: ['1'], platform: 'onnxruntime_onnx' });
    expect(meta.json().inputs).toContainEqual({ name: 'pixel_values', datatype: 'FP32', shape: [-1, 1, 32, 32] });
    expect((await inject('GET', '/v2/models/tiny', writer)).json().versions).toEqual(['1', '2']);
    expect((await inject('GET', '/v2/models/tiny', reader)).statusCode).toBe(200);
    expect((await inject('GET', '/v2/models/tiny/versions/1', reader)).json().versions).toEqual(['1']);
    expect((await inject('GET', '/v2/models/tiny/versions/1/ready', runner)).json()).toEqual({ name: 'tiny', version: '1', ready: true });
    expect((await inject('GET', '/v2/models/tiny/ready', runner)).json()).toEqual({ name: 'tiny', version: '1', ready: true });
  });

  it('refuses without a key (401), without the scope (403) and another organization (404)', async () => {
    for (const [method, url] of [['POST', '/v2/models/tiny/infer'], ['GET', '/v2/models/tiny'], ['GET', '/v2/models/tiny/versions/1/ready']] as const) {
      const res = await inject(method, url, undefined, method === 'POST' ? jsonBody(pixels, shape) : undefined);
      expect({ url, status: res.statusCode, code: res.json().error.code }).toEqual({ url, status: 401, code: 'UNAUTHENTICATED' });
    }
    expect((await inferJson('/v2/models/tiny/infer', reader)).json().error).toMatchObject({ code: 'FORBIDDEN', details: { missingScopes: ['inference:run'] } });
    expect((await inject('GET', '/v2/models/tiny/ready', reader)).statusCode).toBe(403);
    expect((await inject('GET', '/v2/models/tiny', studiesOnly)).json().error).toMatchObject({ code: 'FORBIDDEN', details: { anyOfScopes: ['models:read', 'inference:run'] } });
    for (const [method, url] of [['POST', '/v2/models/tiny/infer'], ['POST', '/v2/models/tiny/versions/1/infer'], ['GET', '/v2/models/tiny'], ['GET', '/v2/models/tiny/versions/1/ready']] as const) {
      const res = await inject(method, url, other, method === 'POST' ? jsonBody(pixels, shape) : undefined, { 'content-type': 'application/json' });
      expect({ url, status: res.statusCode }).toEqual({ url, status: 404 });
    }
  });

  it('runs a draft only with models:write and refuses a retired version with 422', async () => {
    const tinyPixels = new Float32Array(32 * 32).fill(0.5);
    const tinyBody = jsonBody(tinyPixels, [1, 1, 32, 32]);
    const draft = await inferJson('/v2/models/tiny/versions/2/infer', runner, tinyBody);
    expect(draft.statusCode).toBe(403);
    expect(draft.json().error).toMatchObject({ code: 'FORBIDDEN', details: { missingScopes: ['models:write'] } });
    expect((await inject('GET', '/v2/models/tiny/versions/2', runner)).statusCode).toBe(403);
    const ok = await inferJson('/v2/models/tiny/versions/2/infer', writer, tinyBody);
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ model_name: 'tiny', model_version: '2' });
    expect(ok.json().outputs.map((o: { name: string }) => o.name).sort()).toEqual(['label_probs', 'text']);
    for (const auth of [runner, writer, admin.auth]) {
      const retired = await inferJson('/v2/models/tiny/versions/3/infer', auth, tinyBody);
      expect(retired.statusCode).toBe(422);
      expect(retired.json().error.message).toContain('retired');
    }
  });

  it('returns the service\'s refusals in the medgrade envelope with the gateway\'s request id', async () => {
    const bad = await inferJson('/v2/models/cxr/infer', runner, JSON.stringify({ inputs: [{ name: 'pixel_values', datatype: 'FP32', shape: [1, 1, 8, 8], data: new Array(64).fill(0) }] }));
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toEqual({ code: 'BAD_REQUEST', message: 'input pixel_values must be FP32 with shape [B, 1, 64, 64]', requestId: bad.headers['x-request-id'] });
    const invalid = await inferJson('/v2/models/cxr/infer', runner, '{"inputs": []}');
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json().error.code).toBe('VALIDATION_FAILED');
    const media = await inject('POST', '/v2/models/cxr/infer', runner, 'x', { 'content-type': 'text/plain' });
    expect(media.statusCode).toBe(415);
    expect(media.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('audits every infer call with the model version and no tensor data', async () => {
    const events = await gw.db.prisma.auditEvent.findMany({ where: { orgId: admin.orgId, action: 'inference.oip' }, orderBy: { seq: 'asc' } });
    const calls = events.map((e) => e.details as { model: string; encoding: string; status: number; requestBytes: number });
    expect(calls.filter((c) => c.model === 'cxr@1' && c.status === 200)).toHaveLength(5);
    expect(calls).toContainEqual(expect.objectContaining({ model: 'cxr@1', encoding: 'binary', status: 200 }));
    expect(calls).toContainEqual(expect.objectContaining({ model: 'cxr@1', encoding: 'json', status: 400 }));
    expect(calls).toContainEqual(expect.objectContaining({ model: 'cxr@1', status: 413 }));
    expect(calls).toContainEqual(expect.objectContaining({ model: 'tiny@2', status: 200 }));
    expect(JSON.stringify(calls)).not.toContain(String(pixels[100]));
    expect((await gw.db.prisma.auditEvent.count({ where: { action: 'inference.oip', orgId: { not: admin.orgId } } }))).toBe(0);
  });

  it('publishes the routes in OpenAPI, the binary body as application/octet-stream', async () => {
    const spec = (await inject('GET', '/openapi.json', undefined)).json();
    const infer = spec.paths['/v2/models/{name}/versions/{version}/infer'].post;
    expect(infer.tags).toEqual(['oip']);
    expect(Object.keys(infer.requestBody.content).sort()).toEqual(['application/json', 'application/octet-stream']);
    expect(infer.requestBody.content['application/octet-stream'].schema.type).toBe('string');
    expect(infer.requestBody.content['application/json'].schema.properties.inputs.type).toBe('array');
    expect(infer.parameters.map((p: { name: string }) => p.name)).toContain('inference-header-content-length');
    for (const path of ['/v2/models/{name}', '/v2/models/{name}/ready', '/v2/models/{name}/infer', '/v2/models/{name}/versions/{version}', '/v2/models/{name}/versions/{version}/ready']) expect(spec.paths[path], path).toBeDefined();
    expect(spec.paths['/v2/health/ready'].get.security).toEqual([]); // public: explicitly no key
  });

  it('answers server metadata publicly with the extensions it serves, as the inference service lists them', async () => {
    const res = await inject('GET', '/v2', undefined);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ name: 'medgrade', version: '1', extensions: ['binary_tensor_data'] });
    const service = await inference.inject({ url: '/v2', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(service.json().extensions).toEqual(res.json().extensions);
  });

  it('serves OIP health publicly, and answers 503 once the inference service is gone', async () => {
    expect((await inject('GET', '/v2/health/live', undefined)).json()).toEqual({ live: true });
    expect((await inject('GET', '/v2/health/ready', undefined)).json()).toEqual({ ready: true });
    await inference.close();
    const ready = await inject('GET', '/v2/health/ready', undefined);
    expect({ status: ready.statusCode, body: ready.json() }).toEqual({ status: 503, body: { ready: false } });
    const res = await inferJson('/v2/models/cxr/infer', runner);
    expect(res.statusCode).toBe(503);
    expect(res.json().error.code).toBe('SERVICE_UNAVAILABLE');
  });
});
