// Durable asynchronous inferences (InferenceRun / InferenceWebhookDeliver on BullMQ) and webhook
// SSRF protection, on real Postgres, Redis, a filesystem object store and the real inference
// service serving the tiny test bundle.
import { inferenceInputsPrefix } from '@medgrade/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completions, createInferenceEnv, dicomInput, receiver, row, signedFresh, stagedKeys, submit, until, type InferenceEnv } from './inference.harness.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** BullMQ's hash of one job on the inference queue (attempts made, failed reason, data). */
async function jobHash(env: InferenceEnv, jobId: string): Promise<Record<string, string>> {
  return env.gw.redis.hgetall(`${env.gw.config.redis.keyPrefix}:inference:${jobId}`);
}

describe('asynchronous inferences through the BullMQ worker (private networks allowed for the local receiver)', () => {
  let env: InferenceEnv;
  let hook: Awaited<ReturnType<typeof receiver>>;
  beforeAll(async () => {
    env = await createInferenceEnv({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' });
    hook = await receiver();
  });
  afterAll(async () => {
    await new Promise((r) => hook?.server.close(r));
    await env?.close();
  });

  it('completes a 202 inference in the worker and POSTs a correctly signed body to the webhook', async () => {
    hook.received.length = 0;
    const worker = env.startWorker();
    try {
      const res = await submit(env, { models: ['tiny'], input: dicomInput(env, 0), webhookUrl: hook.url });
      expect(res.statusCode).toBe(202);
      const { id, status, webhookSecret } = res.json() as { id: string; status: string; webhookSecret: string };
      expect(status).toBe('queued');
      await until(() => hook.received.length === 1, 'the webhook call');
      const [call] = hook.received;
      expect(signedFresh(call!, webhookSecret)).toBe(true);
      const body = JSON.parse(call!.body) as { id: string; status: string; results: { instances: { text: string }[] }[] };
      expect(body).toMatchObject({ id, status: 'succeeded' });
      expect(typeof body.results[0]!.instances[0]!.text).toBe('string');
      const got = (await env.gw.app.inject({ method: 'GET', url: `/v1/inferences/${id}`, headers: { authorization: env.runner.auth } })).json();
      expect(got).toMatchObject({ id, status: 'succeeded' });
      expect(got).not.toHaveProperty('webhookSecret');
      const stranger = (await env.gw.key('jobs-b', ['admin'])).auth;
      expect((await env.gw.app.inject({ method: 'GET', url: `/v1/inferences/${id}`, headers: { authorization: stranger } })).statusCode).toBe(404);
      const reader = (await env.gw.key('jobs-a', ['models:read'])).auth;
      expect((await env.gw.app.inject({ method: 'GET', url: `/v1/inferences/${id}`, headers: { authorization: reader } })).statusCode).toBe(403);
      // The secret and URL are stored sealed, never in the job, and the staged upload is gone.
      const stored = JSON.stringify(await row(env, id));
      expect(stored).not.toContain(webhookSecret);
      expect(stored).not.toContain(hook.url);
      // Ids only: the inference, the request, and the organization as fairness key (packages/queue fair.ts).
      expect(JSON.parse((await jobHash(env, `inference-${id}`)).data ?? '{}')).toEqual({ inferenceId: id, requestId: expect.any(String), __fairKey: env.runner.orgId });
      expect(await stagedKeys(env, id)).toEqual([]);
    } finally {
      await worker.close();
    }
  });

  it('?wait=true with webhookUrl answers 200 with the webhookSecret, and the delivered signature verifies with it', async () => {
    hook.received.length = 0;
    const worker = env.startWorker();
    try {
      const res = await submit(env, { models: ['tiny'], input: dicomInput(env, 5), webhookUrl: hook.url }, '/v1/inferences?wait=true');
      expect(res.statusCode).toBe(200);
      const { id, status, webhookSecret } = res.json() as { id: string; status: string; webhookSecret: string };
      expect(status).toBe('succeeded');
      expect(webhookSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      await until(() => hook.received.length === 1, 'the webhook call');
      const [call] = hook.received;
      expect(signedFresh(call!, webhookSecret)).toBe(true);
      expect(JSON.parse(call!.body)).toMatchObject({ id, status: 'succeeded' });
      // Pending from the final write until delivered.
      await until(async () => !(await row(env, id)).webhookPending, 'the pending mark to clear');
      expect(JSON.stringify(await row(env, id))).not.toContain(webhookSecret);
      const got = (await env.gw.app.inject({ method: 'GET', url: `/v1/inferences/${id}`, headers: { authorization: env.runner.auth } })).json();
      expect(got).not.toHaveProperty('webhookSecret');
      // Without webhookUrl there is no secret to show.
      const plain = await submit(env, { models: ['tiny'], input: dicomInput(env, 6) }, '/v1/inferences?wait=true');
      expect(plain.statusCode).toBe(200);
      expect(plain.json()).not.toHaveProperty('webhookSecret');
    } finally {
      await worker.close();
    }
  });

  it('is durable: accepted with no worker running, finished exactly once by a later worker, unchanged on re-delivery', async () => {
    hook.received.length = 0;
    const res = await submit(env, { models: ['tiny'], input: dicomInput(env, 1), webhookUrl: hook.url });
    expect(res.statusCode).toBe(202);
    const id = res.json().id as string;
    expect((await row(env, id)).status).toBe('QUEUED');
    expect(await stagedKeys(env, id)).toEqual([`${inferenceInputsPrefix(env.runner.orgId, id)}0.dcm`]);
    expect((await env.jobs.depth()).find((q) => q.queue === 'inference')).toMatchObject({ waiting: 1, active: 0 });
    // As if a gateway had died mid-run: the row says RUNNING and the job is back in the queue.
    await env.gw.db.prisma.inference.update({ where: { id }, data: { status: 'RUNNING' } });
    const worker = env.startWorker();
    try {
      await until(async () => (await row(env, id)).status === 'SUCCEEDED' && hook.received.length === 1, 'completion and webhook');
      const first = await row(env, id);
      expect(await completions(env, id)).toHaveLength(1);
      expect(await stagedKeys(env, id)).toEqual([]);
      // A re-delivered job (e.g. after a stall) finds the row final: no second result, audit or webhook.
      expect(await env.jobs.requeueMany('InferenceRun', [{ inferenceId: id, requestId: 'redelivery' }])).toBe(1);
      await until(async () => (await jobHash(env, `inference-${id}`)).finishedOn !== undefined, 'the re-delivered job');
      await sleep(500);
      const again = await row(env, id);
      expect(again.outputs).toEqual(first.outputs);
      expect(again.completedAt).toEqual(first.completedAt);
      expect(await completions(env, id)).toHaveLength(1);
      expect(hook.received).toHaveLength(1);
    } finally {
      await worker.close();
    }
  });

  it('retries while the inference service is down and completes once it is back', async () => {
    await env.stopInference();
    const worker = env.startWorker();
    try {
      const id = (await submit(env, { models: ['tiny'], input: dicomInput(env, 2) })).json().id as string;
      await until(async () => Number((await jobHash(env, `inference-${id}`)).atm ?? 0) >= 1, 'a failed first attempt');
      // Back in the queue without a lease between attempts, so the retry can claim it.
      expect(await row(env, id)).toMatchObject({ status: 'QUEUED', leaseExpiresAt: null });
      await env.startInference();
      await until(async () => (await row(env, id)).status === 'SUCCEEDED', 'success after the retry', 60_000);
      expect(await completions(env, id)).toHaveLength(1);
    } finally {
      await worker.close();
      await env.startInference().catch(() => undefined);
    }
  });

  it('fails bad input at once, without retries: FAILED with an errorCode, staged input removed, webhook told', async () => {
    hook.received.length = 0;
    const id = (await submit(env, { models: ['tiny'], input: dicomInput(env, 3), webhookUrl: hook.url })).json().id as string;
    for (const key of await stagedKeys(env, id)) await env.store.delete(key);
    const worker = env.startWorker();
    try {
      await until(async () => (await row(env, id)).status === 'FAILED' && hook.received.length === 1, 'the failure and its webhook');
      expect((await row(env, id)).errorCode).toBe('UNPROCESSABLE');
      expect((await jobHash(env, `inference-${id}`)).atm).toBe('1');
      expect((await completions(env, id)).map((e) => (e.details as { status: string }).status)).toEqual(['FAILED']);
      expect(JSON.parse(hook.received[0]!.body)).toMatchObject({ id, status: 'failed' });
    } finally {
      await worker.close();
    }
  });

  it('checks the URL again at delivery: a worker that refuses private networks never calls it', async () => {
    hook.received.length = 0;
    const worker = env.startWorker({ allowPrivateNetworks: false });
    try {
      const id = (await submit(env, { models: ['tiny'], input: dicomInput(env, 4), webhookUrl: hook.url })).json().id as string;
      await until(async () => (await jobHash(env, `inference-webhook-${id}`)).failedReason !== undefined, 'the refused delivery');
      expect((await jobHash(env, `inference-webhook-${id}`)).failedReason).toBe('WEBHOOK_URL_REFUSED');
      expect((await row(env, id)).status).toBe('SUCCEEDED');
      expect(hook.received).toHaveLength(0);
    } finally {
      await worker.close();
    }
  });
});

describe('webhook URLs with private networks refused (the default)', () => {
  let env: InferenceEnv;
  beforeAll(async () => {
    env = await createInferenceEnv();
  });
  afterAll(async () => {
    await env?.close();
  });

  it.each(['http://127.0.0.1:9/hook', 'http://10.0.0.1/hook', 'http://169.254.169.254/latest/meta-data/', 'http://[::1]:9/hook', 'http://localhost:9/hook'])(
    '%s is refused with 400 and creates no row and no job',
    async (webhookUrl) => {
      for (const url of ['/v1/inferences', '/v1/inferences?wait=true']) {
        const res = await submit(env, { models: ['tiny'], input: dicomInput(env, 0), webhookUrl }, url);
        expect(res.statusCode).toBe(400);
        const { error } = res.json() as { error: { code: string; message: string } };
        expect(error.code).toBe('BAD_REQUEST');
        expect(error.message).toMatch(/^webhookUrl refused: .*; webhooks go only to https URLs of public internet addresses/);
      }
      expect(await env.gw.db.prisma.inference.count()).toBe(0);
      expect(await env.gw.db.prisma.auditEvent.count({ where: { action: 'inference.create' } })).toBe(0);
      // BullMQ writes the queue's meta key on connect; any job would add more keys.
      expect((await env.gw.redis.keys(`${env.gw.config.redis.keyPrefix}:inference:*`)).filter((k) => !k.endsWith(':meta'))).toEqual([]);
    },
  );
});
