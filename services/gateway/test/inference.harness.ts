// Asynchronous inference for tests: a gateway (own database and Redis prefix) with a filesystem
// object store and a job producer, the real inference service on a port serving the tiny test
// bundle (registered and released through the API), and inference workers started on demand,
// built exactly as the gateway's main.ts builds its own.
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { childProcessEnv, loadConfig } from '@medgrade/config';
import { JOB_CATALOG } from '@medgrade/contracts';
import { generateStudy, studyToDicom } from '@medgrade/synthetic';
import { buildInferenceApp } from '@medgrade/inference';
import { createProducer, type JobProducer } from '@medgrade/queue';
import { FsObjectStore, inferenceInputsPrefix } from '@medgrade/storage';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { InferenceServiceClient, type InferenceWorker, type InferenceWorkerOptions, startInferenceWorker } from '@medgrade/inference-runs';
import { bundleMultipart } from './bundle.multipart.ts';
import { createTestGateway, type TestGateway } from './gateway.harness.ts';

export const TINY_BUNDLE = join(import.meta.dirname, '../../../packages/model-runtime/test/fixtures/tiny-bundle');
/** The service credential the harness's inference service and gateway share. */
export const TOKEN = 'inference-jobs-test-service-token';

/** A free TCP port on 127.0.0.1 (nothing listens on it when this returns). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  await new Promise((r) => server.close(r));
  return typeof address === 'object' && address ? address.port : 0;
}

export interface InferenceEnv {
  gw: TestGateway;
  store: FsObjectStore;
  jobs: JobProducer<typeof JOB_CATALOG>;
  /** Where the inference service listens (or will, after startInference()). */
  inferenceUrl: string;
  runner: { auth: string; orgId: string };
  projectId: string;
  /** Starts the inference service on inferenceUrl (the environment starts it unless told not to). */
  startInference(): Promise<void>;
  stopInference(): Promise<void>;
  /** Starts a worker as main.ts does (reconciler off unless given); closed by close() unless closed before. */
  startWorker(options?: { allowPrivateNetworks?: boolean } & Pick<InferenceWorkerOptions, 'reconcile' | 'onReconcile'>): InferenceWorker;
  close(): Promise<void>;
}

/** The environment; `env` reaches the gateway's config (e.g. WEBHOOK_ALLOW_PRIVATE_NETWORKS). */
export async function createInferenceEnv(env: Record<string, string> = {}): Promise<InferenceEnv> {
  const root = await mkdtemp(join(tmpdir(), 'gw-inference-jobs-'));
  const store = new FsObjectStore(join(root, 'objects'));
  const port = await freePort();
  const inferenceUrl = `http://127.0.0.1:${port}`;
  const prefix = `test-${randomBytes(4).toString('hex')}`;
  const config = loadConfig(childProcessEnv(env));
  const client = new InferenceServiceClient(inferenceUrl, TOKEN, config.inference.clientTimeoutMs);
  const queue = { redisUrl: config.redis.url, prefix };
  const jobs = createProducer(JOB_CATALOG, queue);
  const gw = await createTestGateway({ REDIS_KEY_PREFIX: prefix, RATE_LIMIT_MAX: '100000', ...env }, { store, inference: client, jobs });
  let inference: FastifyInstance | undefined;
  const workers = new Set<InferenceWorker>();
  const self: InferenceEnv = {
    gw, store, jobs, inferenceUrl,
    runner: { auth: '', orgId: '' },
    projectId: '',
    async startInference() {
      inference = await buildInferenceApp({ store, config: { serviceToken: TOKEN, executionProviders: ['cpu'], intraOpThreads: 1, interOpThreads: 1, memoryBudgetMb: 64, maxBatchSize: 8, maxQueueDelayMs: 0, requestTimeoutMs: 30_000 } });
      await inference.listen({ host: '127.0.0.1', port });
    },
    async stopInference() {
      await inference?.close();
      inference = undefined;
    },
    startWorker(options = {}) {
      const worker = startInferenceWorker({
        prisma: gw.db.prisma, store, client, queue, log: pino({ level: 'silent' }),
        secretKey: gw.config.secrets.projectSecretKeyBytes,
        auditAnchorKey: gw.config.secrets.auditAnchorKeyBytes,
        allowPrivateNetworks: options.allowPrivateNetworks ?? gw.config.webhooks.allowPrivateNetworks,
        requireHttps: !gw.config.dev,
        concurrency: 2,
        runLeaseMs: gw.config.inferenceWorker.runLeaseMs,
        ...(options.reconcile ? { reconcile: options.reconcile } : {}),
        ...(options.onReconcile ? { onReconcile: options.onReconcile } : {}),
      });
      const tracked: InferenceWorker = { close: async () => { workers.delete(tracked); await worker.close(); } };
      workers.add(tracked);
      return tracked;
    },
    async close() {
      for (const w of [...workers]) await w.close();
      await jobs.close();
      await self.stopInference();
      await gw.close();
      await rm(root, { recursive: true, force: true });
    },
  };
  await self.startInference();
  await registerTinyModel(gw);
  const runner = await gw.key('jobs-a', ['inference:run']);
  self.runner = runner;
  self.projectId = await gw.project(runner.orgId, 'jobs-a-project');
  return self;
}

async function registerTinyModel(gw: TestGateway): Promise<void> {
  const admin = (await gw.key('jobs-a', ['admin'])).auth;
  const post = (url: string, payload: object | Buffer, headers: Record<string, string> = {}) => gw.app.inject({ method: 'POST', url, payload, headers: { ...headers, authorization: admin } });
  if ((await post('/v1/models', { name: 'tiny' })).statusCode !== 201) throw new Error('could not create the test model');
  const up = await bundleMultipart(TINY_BUNDLE);
  if ((await post('/v1/models/tiny/versions', up.payload, up.headers)).statusCode !== 201) throw new Error('could not upload the test bundle');
  if ((await post('/v1/models/tiny/versions/1/release', { reason: 'inference job tests', override: true })).statusCode !== 200) throw new Error('could not release the test bundle');
}

/** One webhook call as the receiver got it. */
export interface Received { body: string; signature: string }

/** True when a delivered x-medgrade-signature (`t=<s>,v1=<hex>`) signs `<t>.<body>` with the secret and t is within 5 minutes of now. */
export function signedFresh(call: Received, secret: string): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(call.signature);
  if (!m || Math.abs(Date.now() / 1000 - Number(m[1])) > 300) return false;
  return m[2] === createHmac('sha256', secret).update(`${m[1]}.${call.body}`).digest('hex');
}

/** A local webhook receiver recording every call (needs WEBHOOK_ALLOW_PRIVATE_NETWORKS=true). */
export async function receiver(): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ body: Buffer.concat(chunks).toString('utf8'), signature: String(req.headers['x-medgrade-signature']) });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received };
}

/** Polls `check` every 50 ms until it holds; throws after `ms`. */
export async function until(check: () => Promise<boolean> | boolean, what: string, ms = 30_000): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A synthetic DICOM file (5 findings, seed i) as an upload input of the environment's project. */
export function dicomInput(env: InferenceEnv, i: number) {
  return { projectId: env.projectId, dicomBase64: studyToDicom(generateStudy(5, i, 'findings')).toString('base64') };
}

/** POST /v1/inferences as the environment's runner key. */
export async function submit(env: InferenceEnv, payload: object, url = '/v1/inferences') {
  return env.gw.app.inject({ method: 'POST', url, payload, headers: { authorization: env.runner.auth } });
}

export async function row(env: InferenceEnv, id: string) {
  return env.gw.db.prisma.inference.findUniqueOrThrow({ where: { id } });
}

/** The inference.complete audit events of one inference. */
export async function completions(env: InferenceEnv, id: string) {
  return env.gw.db.prisma.auditEvent.findMany({ where: { resourceId: id, action: 'inference.complete' } });
}

/** The staged-input keys of one inference of the runner's organization. */
export async function stagedKeys(env: InferenceEnv, id: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of env.store.list(inferenceInputsPrefix(env.runner.orgId, id))) keys.push(o.key);
  return keys;
}
