// Issue 6 end to end: synthetic CR studies from the generator are uploaded over STOW-RS,
// de-identified by the worker (real Postgres, Redis/BullMQ, S3 protocol), the reference bundle is
// registered and released through the registry, and POST /v1/inferences returns each study's
// ground-truth findings sentence; the same through OIP v2 with a raw tensor; and one request with
// two models returns both. Runs once model-bundles/medgrade-cxr-tiny/1 exists (`pnpm model:reference`).
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InferenceServiceClient, startInferenceWorker } from '../../packages/inference-runs/src/index.ts';
import { dicomToModelInput, folderReader, readVerifiedBundle } from '../../packages/model-runtime/src/index.ts';
import { generateStudy, studyToDicom, type SyntheticStudy } from '../../packages/synthetic/src/index.ts';

import { buildInferenceApp } from '../../services/inference/src/app.ts';
import { bundleMultipart } from '../../services/gateway/test/bundle.multipart.ts';
import { createIngestEnv, stowBody, waitFinal, type IngestEnv } from '../ingest/ingest.harness.ts';

const REFERENCE = resolve(import.meta.dirname, '../../model-bundles/medgrade-cxr-tiny/1');
const TEST_BUNDLE = resolve(import.meta.dirname, '../../packages/model-runtime/test/fixtures/tiny-bundle');
const TOKEN = 'e2e-inference-service-token';
const HELD_OUT_SEED = 2; // the reference model's evaluation seed: studies it never trained on

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  await new Promise((r) => server.close(r));
  return typeof address === 'object' && address ? address.port : 0;
}

describe('inference end to end with the reference model', () => {
  let env: IngestEnv;
  let inference: Awaited<ReturnType<typeof buildInferenceApp>>;
  let inferenceUrl: string;
  let auth: string;
  const studies: { synthetic: SyntheticStudy; studyId: string }[] = [];

  beforeAll(async () => {
    const port = await freePort();
    inferenceUrl = `http://127.0.0.1:${port}`;
    env = await createIngestEnv({ worker: true, env: { INFERENCE_URL: inferenceUrl, INFERENCE_SERVICE_TOKEN: TOKEN } });
    inference = await buildInferenceApp({ store: env.store, config: { serviceToken: TOKEN, executionProviders: ['cpu'], intraOpThreads: 1, interOpThreads: 1, memoryBudgetMb: 512, maxBatchSize: 8, maxQueueDelayMs: 0, requestTimeoutMs: 60_000 } });
    await inference.listen({ host: '127.0.0.1', port });
    auth = (await env.gw.key('acme', ['admin'])).auth;

    for (let i = 0; i < 3; i++) {
      const synthetic = generateStudy(HELD_OUT_SEED, i, 'findings');
      const { body, contentType } = stowBody([studyToDicom(synthetic)]);
      const res = await env.gw.app.inject({ method: 'POST', url: `/dicomweb/studies?projectId=${env.projectId}`, headers: { authorization: env.writer.auth, 'content-type': contentType }, payload: body });
      expect(res.statusCode).toBe(200);
      await waitFinal(env);
      const row = await env.gw.db.prisma.instance.findFirstOrThrow({ where: { projectId: env.projectId, status: 'READY' }, orderBy: { createdAt: 'desc' }, include: { series: true } });
      studies.push({ synthetic, studyId: row.series!.studyId });
    }
    for (const [name, dir] of [['medgrade-cxr-tiny', REFERENCE], ['tiny-test', TEST_BUNDLE]] as const) {
      expect((await env.gw.app.inject({ method: 'POST', url: '/v1/models', headers: { authorization: auth }, payload: { name } })).statusCode).toBe(201);
      const up = await bundleMultipart(dir);
      const version = await env.gw.app.inject({ method: 'POST', url: `/v1/models/${name}/versions`, headers: { ...up.headers, authorization: auth }, payload: up.payload });
      expect(version.statusCode).toBe(201);
      const v = version.json().version as string;
      expect((await env.gw.app.inject({ method: 'POST', url: `/v1/models/${name}/versions/${v}/release`, headers: { authorization: auth }, payload: { reason: 'e2e test', override: true } })).statusCode).toBe(200);
    }
  });
  afterAll(async () => {
    await inference?.close();
    await env?.close();
  });

  it('POST /v1/inferences on an uploaded, de-identified study returns its ground-truth findings', async () => {
    let exact = 0;
    for (const s of studies) {
      const res = await env.gw.app.inject({ method: 'POST', url: '/v1/inferences?wait=true', headers: { authorization: auth }, payload: { models: ['medgrade-cxr-tiny'], input: { studyId: s.studyId } } });
      expect(res.statusCode).toBe(200);
      const [result] = res.json().results;
      expect(result.model.name).toBe('medgrade-cxr-tiny');
      const text = result.instances[0].text as string;
      expect(text.length).toBeGreaterThan(0);
      if (text === s.synthetic.report) exact += 1;
    }
    // The model is >= 90% exact on held-out studies (its evaluation.json); allow one miss of three.
    expect(exact).toBeGreaterThanOrEqual(2);
  });

  it('OIP v2 with the raw preprocessed tensor gives the same sentence', async () => {
    const { manifest } = await readVerifiedBundle(folderReader(REFERENCE));
    const s = studies[0]!;
    const pixels = dicomToModelInput(studyToDicom(s.synthetic), manifest);
    const orgId = (await env.gw.db.prisma.organization.findUniqueOrThrow({ where: { slug: 'acme' } })).id;
    const res = await fetch(`${inferenceUrl}/v2/models/medgrade-cxr-tiny/versions/${manifest.version}/infer`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, 'x-medgrade-org': orgId },
      body: JSON.stringify({ inputs: [{ name: 'pixel_values', datatype: 'FP32', shape: [1, manifest.input.channels, manifest.input.height, manifest.input.width], data: Array.from(pixels) }] }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { outputs: { name: string; data: unknown[] }[] };
    const viaGateway = (await env.gw.app.inject({ method: 'POST', url: '/v1/inferences?wait=true', headers: { authorization: auth }, payload: { models: ['medgrade-cxr-tiny'], input: { studyId: s.studyId } } })).json();
    expect(body.outputs.find((o) => o.name === 'text')?.data).toEqual([viaGateway.results[0].instances[0].text]);
  });

  it('one request with two models returns both results', async () => {
    const res = await env.gw.app.inject({ method: 'POST', url: '/v1/inferences?wait=true', headers: { authorization: auth }, payload: { models: ['medgrade-cxr-tiny', 'tiny-test@1'], input: { studyId: studies[1]!.studyId } } });
    expect(res.statusCode).toBe(200);
    const out = res.json();
    expect(out.status).toBe('succeeded');
    expect(out.results.map((r: { model: { name: string } }) => r.model.name)).toEqual(['medgrade-cxr-tiny', 'tiny-test']);
    for (const r of out.results) expect(typeof r.instances[0].text).toBe('string');
  });

  it('runs a 202 inference on a study through the BullMQ inference worker', async () => {
    const worker = startInferenceWorker({
      prisma: env.gw.db.prisma, store: env.store, client: new InferenceServiceClient(inferenceUrl, TOKEN, env.gw.config.inference.clientTimeoutMs), log: env.gw.app.log,
      queue: { redisUrl: env.gw.config.redis.url, prefix: env.prefix },
      secretKey: env.gw.config.secrets.projectSecretKeyBytes, auditAnchorKey: env.gw.config.secrets.auditAnchorKeyBytes, allowPrivateNetworks: false, concurrency: 1,
      runLeaseMs: env.gw.config.inferenceWorker.runLeaseMs,
    });
    try {
      const s = studies[0]!;
      const res = await env.gw.app.inject({ method: 'POST', url: '/v1/inferences', headers: { authorization: auth }, payload: { models: ['medgrade-cxr-tiny'], input: { studyId: s.studyId } } });
      expect(res.statusCode).toBe(202);
      const id = res.json().id as string;
      let out = res.json();
      for (let i = 0; i < 600 && (out.status === 'queued' || out.status === 'running'); i++) {
        await new Promise((r) => setTimeout(r, 100));
        out = (await env.gw.app.inject({ method: 'GET', url: `/v1/inferences/${id}`, headers: { authorization: auth } })).json();
      }
      expect(out.status).toBe('succeeded');
      const sync = (await env.gw.app.inject({ method: 'POST', url: '/v1/inferences?wait=true', headers: { authorization: auth }, payload: { models: ['medgrade-cxr-tiny'], input: { studyId: s.studyId } } })).json();
      expect(out.results[0].instances.map((r: { instanceId: string; text: string }) => [r.instanceId, r.text])).toEqual(sync.results[0].instances.map((r: { instanceId: string; text: string }) => [r.instanceId, r.text]));
    } finally {
      await worker.close();
    }
  });

  it('takes instance ids, and another organization gets 404 for the study', async () => {
    const instance = await env.gw.db.prisma.instance.findFirstOrThrow({ where: { projectId: env.projectId, status: 'READY', series: { studyId: studies[2]!.studyId } } });
    const res = await env.gw.app.inject({ method: 'POST', url: '/v1/inferences?wait=true', headers: { authorization: auth }, payload: { models: ['medgrade-cxr-tiny'], input: { instanceIds: [instance.id] } } });
    expect(res.statusCode).toBe(200);
    expect(res.json().results[0].instances[0].instanceId).toBe(instance.id);
    const stranger = (await env.gw.key('other-org', ['admin'])).auth;
    const denied = await env.gw.app.inject({ method: 'POST', url: '/v1/inferences?wait=true', headers: { authorization: stranger }, payload: { models: ['medgrade-cxr-tiny'], input: { studyId: studies[2]!.studyId } } });
    expect(denied.statusCode).toBe(404);
  });
});
