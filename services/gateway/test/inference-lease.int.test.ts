// One run per inference unless its runner died, and no lost webhooks, on real Postgres, Redis, a
// filesystem object store and the real inference service. The service's model load is held on a
// gate, so a run lasts as long as a test needs: a ?wait=true run that outlasts the reconciler's
// grace keeps renewing its lease and is never run a second time; a service that does not answer
// within INFERENCE_CLIENT_TIMEOUT_MS ends the run FAILED with TIMEOUT; a crash between the final
// write and the webhook enqueue is repaired by the reconciler.
import { randomUUID } from 'node:crypto';
import { AuditLog } from '@medgrade/audit';

import type { Prisma } from '@medgrade/db';
import { buildInferenceApp, sessionOptionsFrom, storeLoader } from '@medgrade/inference';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInferenceReconcileRepository, finishInference, reconcileInferences, sealWebhook } from '@medgrade/inference-runs';
import { completions, createInferenceEnv, dicomInput, receiver, row, signedFresh, submit, TOKEN, until, type InferenceEnv } from './inference.harness.ts';

const CLIENT_TIMEOUT_MS = 6000;
const LEASE_MS = 3000;
const HOUR = 3_600_000;

/** A promise the test releases. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((r) => (open = r));
  return { wait, open };
}

describe('inference run leases, client timeout and durable webhooks', () => {
  let env: InferenceEnv;
  let hook: Awaited<ReturnType<typeof receiver>>;
  beforeAll(async () => {
    env = await createInferenceEnv({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', INFERENCE_CLIENT_TIMEOUT_MS: String(CLIENT_TIMEOUT_MS), INFERENCE_RUN_LEASE_MS: String(LEASE_MS) });
    hook = await receiver();
  });
  afterAll(async () => {
    await new Promise((r) => hook?.server.close(r));
    await env?.close();
  });

  // The real inference service on the environment's port, loading model versions only once `opened` resolves.
  async function gatedService(opened: Promise<void>): Promise<FastifyInstance> {
    await env.stopInference();
    const config = { serviceToken: TOKEN, executionProviders: ['cpu' as const], intraOpThreads: 1, interOpThreads: 1, memoryBudgetMb: 64, maxBatchSize: 8, maxQueueDelayMs: 0, requestTimeoutMs: 120_000 };
    const load = storeLoader(env.store, sessionOptionsFrom(config));
    const app = await buildInferenceApp({
      store: env.store, config,
      load: async (key) => {
        await opened;
        return load(key);
      },
    });
    await app.listen({ host: '127.0.0.1', port: Number(new URL(env.inferenceUrl).port) });
    return app;
  }

  // The gateway's HTTP pool may leave a connection that never sends a request (after an aborted
  // call); close() would wait for the server's keep-alive timeout (72 s) to drop it.
  async function closeService(service: FastifyInstance): Promise<void> {
    service.server.closeAllConnections();
    await service.close();
  }

  async function runningId(): Promise<string> {
    let id: string | undefined;
    await until(async () => (id = (await env.gw.db.prisma.inference.findFirst({ where: { status: 'RUNNING' } }))?.id) !== undefined, 'the running row');
    return id!;
  }

  const reconcileDeps = () => ({ repo: createInferenceReconcileRepository(env.gw.db.prisma), store: env.store, jobs: env.jobs });
  const jobExists = async (jobId: string) => (await env.gw.redis.exists(`${env.gw.config.redis.keyPrefix}:inference:${jobId}`)) === 1;

  it('renews the lease of a ?wait=true run that outlasts the grace period; the reconciler leaves it alone and it completes once', async () => {
    const loading = gate();
    const service = await gatedService(loading.wait);
    try {
      const pending = submit(env, { models: ['tiny'], input: dicomInput(env, 21) }, '/v1/inferences?wait=true');
      const id = await runningId();
      const taken = (await row(env, id)).leaseExpiresAt!;
      expect(taken.getTime()).toBeGreaterThan(Date.now());
      await until(async () => (await row(env, id)).leaseExpiresAt! > taken, 'a lease renewal');
      // The run is older than this grace: only the lease tells the reconciler its runner is alive.
      expect(await reconcileInferences(reconcileDeps(), { graceMs: 1, batchSize: 10 })).toEqual({ requeued: 0, webhooks: 0, stagedDeleted: 0 });
      expect(await jobExists(`inference-${id}`)).toBe(false);
      loading.open();
      const res = await pending;
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id, status: 'succeeded' });
      expect(await row(env, id)).toMatchObject({ status: 'SUCCEEDED', leaseExpiresAt: null });
      expect(await completions(env, id)).toHaveLength(1);
    } finally {
      loading.open();
      await closeService(service);
      await env.startInference();
    }
  });

  it('fails a run whose inference service does not answer within INFERENCE_CLIENT_TIMEOUT_MS with TIMEOUT instead of hanging', async () => {
    const loading = gate();
    const service = await gatedService(loading.wait);
    try {
      const res = await submit(env, { models: ['tiny'], input: dicomInput(env, 22) }, '/v1/inferences?wait=true');
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.status).toBe('failed');
      expect(body.results).toEqual([expect.objectContaining({ instances: [], error: { code: 'TIMEOUT', message: `The inference service did not answer within ${CLIENT_TIMEOUT_MS} ms` } })]);
      expect(await row(env, body.id)).toMatchObject({ status: 'FAILED', errorCode: 'TIMEOUT', leaseExpiresAt: null });
      expect(await completions(env, body.id)).toHaveLength(1);
    } finally {
      loading.open();
      await closeService(service);
      await env.startInference();
    }
  });

  it('delivers the webhook of a run whose gateway died after the final write and before the enqueue: the reconciler enqueues it once', async () => {
    hook.received.length = 0;
    const secretKey = env.gw.config.secrets.projectSecretKeyBytes;
    // A ?wait=true row (copied from a real submission) with a webhook to the local receiver.
    const source = await row(env, (await submit(env, { models: ['tiny'], input: dicomInput(env, 23) }, '/v1/inferences?wait=true')).json().id as string);
    const secret = 'crash-window-secret';
    const request = { ...(source.request as Prisma.JsonObject), webhook: { sealed: sealWebhook(secretKey, { url: hook.url, secret }) } };
    const running = await env.gw.db.prisma.inference.create({
      data: { id: randomUUID(), orgId: source.orgId, projectId: source.projectId, modelVersionId: source.modelVersionId, createdBy: source.createdBy, request, status: 'RUNNING', createdAt: new Date(Date.now() - HOUR) },
    });
    // The final write, then the crash: no InferenceWebhookDeliver job is ever enqueued.
    const outputs = source.outputs as unknown as Parameters<typeof finishInference>[2];
    const done = await finishInference({ prisma: env.gw.db.prisma, auditLog: new AuditLog(env.gw.db.prisma, { anchorKey: env.gw.config.secrets.auditAnchorKeyBytes }) }, { row: running, actor: source.createdBy!, requestId: 'crash-window' }, outputs, 12);
    expect(done).toMatchObject({ status: 'SUCCEEDED', webhookPending: true });
    expect(await jobExists(`inference-webhook-${done.id}`)).toBe(false);

    const later = { ...reconcileDeps(), now: () => new Date(Date.now() + HOUR) };
    expect(await reconcileInferences(later, { graceMs: 60_000, batchSize: 10 })).toMatchObject({ webhooks: 1 });
    expect(await jobExists(`inference-webhook-${done.id}`)).toBe(true);
    // A second pass before delivery enqueues the same job id again: still one delivery below.
    expect(await reconcileInferences(later, { graceMs: 60_000, batchSize: 10 })).toMatchObject({ webhooks: 1 });
    const worker = env.startWorker();
    try {
      await until(async () => !(await row(env, done.id)).webhookPending, 'the delivery');
      expect(hook.received).toHaveLength(1);
      const [call] = hook.received;
      expect(signedFresh(call!, secret)).toBe(true);
      expect(JSON.parse(call!.body)).toMatchObject({ id: done.id, status: 'succeeded' });
      expect(await reconcileInferences(later, { graceMs: 60_000, batchSize: 10 })).toMatchObject({ webhooks: 0 });
    } finally {
      await worker.close();
    }
  });
});
