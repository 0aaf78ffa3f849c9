// The inference service with a real bundle in a real (filesystem) object store: OIP v2 and the
// internal study route, auth, corrupt bundles, timeouts. The model is the committed random-weight
// test bundle, so outputs are compared with PyTorch's numbers from make_test_bundle.py.
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateStudy, studyToDicom } from '@medgrade/synthetic';
import { FsObjectStore } from '@medgrade/storage';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildInferenceApp } from '../src/app.ts';

const BUNDLE = join(import.meta.dirname, '../../../packages/model-runtime/test/fixtures/tiny-bundle');
const EXPECTED = join(import.meta.dirname, '../../../packages/model-runtime/test/fixtures/tiny-bundle.expected.json');
const TOKEN = 'test-service-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}`, 'x-medgrade-org': 'org1' };
const config = { serviceToken: TOKEN, executionProviders: ['cpu' as const], intraOpThreads: 1, interOpThreads: 1, memoryBudgetMb: 64, maxBatchSize: 8, maxQueueDelayMs: 2, requestTimeoutMs: 30_000 };

function ramp(): number[] {
  const out: number[] = [];
  for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) out.push(((x + y) / 62 - 0.5) / 0.25);
  return out;
}

async function putBundle(store: FsObjectStore, dir: string, prefix: string): Promise<void> {
  for (const f of await readdir(dir)) await store.put(`${prefix}/${f}`, await readFile(join(dir, f)));
}

describe('inference service', () => {
  let root: string;
  let store: FsObjectStore;
  let app: FastifyInstance;
  let expectedText: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'inference-'));
    store = new FsObjectStore(root);
    await putBundle(store, BUNDLE, 'models/org1/tiny/1');
    await putBundle(store, BUNDLE, 'models/org1/tiny/2');
    const corrupt = join(root, 'corrupt-src');
    await cp(BUNDLE, corrupt, { recursive: true });
    await writeFile(join(corrupt, 'tokenizer.json'), '{"type":"word"}');
    await putBundle(store, corrupt, 'models/org1/broken/1');
    app = await buildInferenceApp({ config, store });
    const expected = JSON.parse(await readFile(EXPECTED, 'utf8')) as { tokens: number[] };
    const vocab = (JSON.parse(await readFile(join(BUNDLE, 'tokenizer.json'), 'utf8')) as { vocab: string[] }).vocab;
    expectedText = expected.tokens.map((t) => vocab[t]).filter((w) => !w?.startsWith('<')).join(' ').replace(/ ([.,;:])/g, '$1');
  });
  afterAll(async () => {
    await app.close();
    await rm(root, { recursive: true, force: true });
  });

  it('serves health without credentials and refuses everything else without the service token', async () => {
    expect((await app.inject({ url: '/v2/health/live' })).json()).toEqual({ live: true });
    expect((await app.inject({ url: '/v2/health/ready' })).statusCode).toBe(200);
    const denied = await app.inject({ url: '/v2/models/tiny', headers: { 'x-medgrade-org': 'org1' } });
    expect(denied.statusCode).toBe(401);
    expect(denied.json().error.code).toBe('UNAUTHENTICATED');
    expect((await app.inject({ method: 'POST', url: '/internal/v1/infer', headers: { authorization: 'Bearer wrong-token-xxxxxxxxxx' }, payload: {} })).statusCode).toBe(401);
    expect((await app.inject({ url: '/metrics' })).statusCode).toBe(401);
  });

  it('describes a model from its manifest, newest version when none is named', async () => {
    const res = await app.inject({ url: '/v2/models/tiny', headers: auth });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      name: 'tiny', versions: ['1', '2'], platform: 'onnxruntime_onnx',
      inputs: [{ name: 'pixel_values', datatype: 'FP32', shape: [-1, 1, 32, 32] }, { name: 'prompt', datatype: 'BYTES', shape: [-1] }],
      outputs: [{ name: 'text', datatype: 'BYTES', shape: [-1] }, { name: 'label_probs', datatype: 'FP32', shape: [-1, 4] }],
    });
    expect((await app.inject({ url: '/v2/models/tiny', headers: { ...auth, 'x-medgrade-org': 'org2' } })).statusCode).toBe(404);
    expect((await app.inject({ url: '/v2/models/tiny/versions/9/ready', headers: auth })).statusCode).toBe(404);
  });

  it('runs OIP v2 infer on a raw tensor batch and returns PyTorch greedy text for each row', async () => {
    const row = ramp();
    const res = await app.inject({
      method: 'POST', url: '/v2/models/tiny/versions/1/infer', headers: auth,
      payload: { id: 'r1', inputs: [{ name: 'pixel_values', datatype: 'FP32', shape: [2, 1, 32, 32], data: [...row, ...row] }] },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.model_version).toBe('1');
    expect(body.id).toBe('r1');
    const text = body.outputs.find((o: { name: string }) => o.name === 'text');
    expect(text).toEqual({ name: 'text', datatype: 'BYTES', shape: [2], data: [expectedText, expectedText] });
    const probs = body.outputs.find((o: { name: string }) => o.name === 'label_probs');
    expect(probs.shape).toEqual([2, 4]);
    expect(probs.data.every((p: number) => p > 0 && p < 1)).toBe(true);
  });

  it('takes the binary tensor extension (JSON header + raw FP32) with the same result', async () => {
    const header = Buffer.from(JSON.stringify({ inputs: [{ name: 'pixel_values', datatype: 'FP32', shape: [1, 1, 32, 32], parameters: { binary_data_size: 4096 } }] }));
    const res = await app.inject({
      method: 'POST', url: '/v2/models/tiny/versions/1/infer',
      headers: { ...auth, 'content-type': 'application/octet-stream', 'inference-header-content-length': String(header.length) },
      payload: Buffer.concat([header, Buffer.from(Float32Array.from(ramp()).buffer)]),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().outputs[0].data).toEqual([expectedText]);
  });

  it('lists the binary tensor extension it serves in server metadata (GET /v2)', async () => {
    const res = await app.inject({ url: '/v2', headers: auth });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ name: 'medgrade-inference', version: '1', extensions: ['binary_tensor_data'] });
  });

  it('refuses tensors of the wrong shape with a 400 that says the expected shape', async () => {
    const res = await app.inject({
      method: 'POST', url: '/v2/models/tiny/versions/1/infer', headers: auth,
      payload: { inputs: [{ name: 'pixel_values', datatype: 'FP32', shape: [1, 1, 16, 16], data: new Array(256).fill(0) }] },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toContain('[B, 1, 32, 32]');
  });

  it('runs the internal study route on de-identified DICOM bytes and reports unusable inputs per instance', async () => {
    const dicom = studyToDicom(generateStudy(1, 0, 'findings' as Parameters<typeof generateStudy>[2]));
    await store.put('deid/org1/s/1/i.dcm', dicom);
    const res = await app.inject({
      method: 'POST', url: '/internal/v1/infer', headers: auth,
      payload: { orgId: 'org1', name: 'tiny', version: '2', inputs: [{ objectKey: 'deid/org1/s/1/i.dcm' }, { dicomBase64: 'AAAA' }], candidates: ['the heart is enlarged', 'no acute abnormality'] },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.model).toEqual({ name: 'tiny', version: '2' });
    expect(typeof body.results[0].text).toBe('string');
    expect(body.results[0].labels).toHaveLength(4);
    expect(body.results[0].zeroShot.map((z: { label: string }) => z.label)).toEqual(['the heart is enlarged', 'no acute abnormality']);
    expect(body.results[1]).toEqual({ index: 1, error: { code: 'BAD_PIXEL_DATA', message: expect.any(String) } });
    expect(body.timings.totalMs).toBeGreaterThan(0);
  });

  it('refuses object keys outside the organization deid/ prefix', async () => {
    const res = await app.inject({ method: 'POST', url: '/internal/v1/infer', headers: auth, payload: { orgId: 'org1', name: 'tiny', version: '1', inputs: [{ objectKey: 'quarantine/org1/x.dcm' }] } });
    expect(res.statusCode).toBe(400);
  });

  it('never loads a corrupt bundle', async () => {
    const res = await app.inject({ url: '/v2/models/broken/versions/1/ready', headers: auth });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.details.problems).toEqual(['tokenizer.json has 15 bytes, manifest says 388']);
  });

  it('exposes per-model metrics', async () => {
    const text = (await app.inject({ url: '/metrics', headers: auth })).body;
    expect(text).toMatch(/medgrade_inference_batch_size_count\{model="tiny@1"\} [1-9]/);
    expect(text).toMatch(/medgrade_inference_loaded_models [1-9]/);
    expect(text).toMatch(/medgrade_inference_model_loads_total\{outcome="error"\} 2/); // version 9 (missing) and broken/1 (corrupt)
  });

  it('times out with 504 when the deadline passes', async () => {
    const slow = await buildInferenceApp({ config: { ...config, requestTimeoutMs: 1 }, store });
    try {
      const res = await slow.inject({ method: 'POST', url: '/v2/models/tiny/versions/1/infer', headers: auth, payload: { inputs: [{ name: 'pixel_values', datatype: 'FP32', shape: [1, 1, 32, 32], data: ramp() }] } });
      expect(res.statusCode).toBe(504);
      expect(res.json().error.code).toBe('TIMEOUT');
    } finally {
      await slow.close();
    }
  });
});
