// The whole platform in this process for end-to-end client tests (the SDK and CLI, the portal in a
// browser): the ingest environment (gateway on its own database and Redis prefix, S3-protocol
// store, de-identification worker), the inference service on a free port serving from the same
// store, the inference worker, and the committed reference model registered and released.
import { resolve } from 'node:path';
import { InferenceServiceClient, startInferenceWorker } from '../packages/inference-runs/src/index.ts';
import { buildInferenceApp } from '../services/inference/src/app.ts';
import { bundleMultipart } from '../services/gateway/test/bundle.multipart.ts';
import { freePort } from '../services/gateway/test/inference.harness.ts';
import { createIngestEnv, type IngestEnv } from './ingest/ingest.harness.ts';

export const REFERENCE_MODEL = resolve(import.meta.dirname, '../model-bundles/medgrade-cxr-tiny/1');

export interface Platform {
  env: IngestEnv;
  /** The gateway's URL (it listens on a free loopback port). */
  baseUrl: string;
  /** The released reference model's version. */
  modelVersion: string;
  close(): Promise<void>;
}

async function check(response: { statusCode: number; body: string }, expected: number, what: string): Promise<void> {
  if (response.statusCode !== expected) throw new Error(`${what}: ${response.statusCode} ${response.body}`);
}

/** Start everything; `gatewayEnv` reaches the gateway's configuration. */
export async function startPlatform(token: string, gatewayEnv: Record<string, string> = {}): Promise<Platform> {
  const inferencePort = await freePort();
  const env = await createIngestEnv({ worker: true, env: { ...gatewayEnv, INFERENCE_URL: `http://127.0.0.1:${inferencePort}`, INFERENCE_SERVICE_TOKEN: token } });
  const inference = await buildInferenceApp({ store: env.store, config: { serviceToken: token, executionProviders: ['cpu'], intraOpThreads: 1, interOpThreads: 1, memoryBudgetMb: 512, maxBatchSize: 8, maxQueueDelayMs: 0, requestTimeoutMs: 60_000 } });
  await inference.listen({ host: '127.0.0.1', port: inferencePort });
  const baseUrl = await env.gw.app.listen({ host: '127.0.0.1', port: 0 });
  // Asynchronous inferences (services/inference-worker in production).
  const inferenceWorker = startInferenceWorker({
    prisma: env.gw.db.prisma, store: env.store, client: new InferenceServiceClient(`http://127.0.0.1:${inferencePort}`, token, env.gw.config.inference.clientTimeoutMs), log: env.gw.app.log,
    queue: { redisUrl: env.gw.config.redis.url, prefix: env.prefix },
    secretKey: env.gw.config.secrets.projectSecretKeyBytes, auditAnchorKey: env.gw.config.secrets.auditAnchorKeyBytes, allowPrivateNetworks: false, concurrency: 1,
    runLeaseMs: env.gw.config.inferenceWorker.runLeaseMs,
  });
  // Registering and releasing the reference model is the operator's job (medgrade models register).
  const admin = (await env.gw.key('acme', ['admin'])).auth;
  await check(await env.gw.app.inject({ method: 'POST', url: '/v1/models', payload: { name: 'medgrade-cxr-tiny' }, headers: { authorization: admin } }), 201, 'create the model');
  const bundle = await bundleMultipart(REFERENCE_MODEL);
  const version = await env.gw.app.inject({ method: 'POST', url: '/v1/models/medgrade-cxr-tiny/versions', headers: { ...bundle.headers, authorization: admin }, payload: bundle.payload });
  await check(version, 201, 'upload the reference bundle');
  const modelVersion = version.json().version as string;
  const release = await env.gw.app.inject({ method: 'POST', url: `/v1/models/medgrade-cxr-tiny/versions/${modelVersion}/release`, payload: { reason: 'end-to-end test', override: true }, headers: { authorization: admin } });
  await check(release, 200, 'release the reference model');
  return {
    env,
    baseUrl,
    modelVersion,
    async close() {
      await inferenceWorker.close();
      await inference.close();
      await env.close();
    },
  };
}
