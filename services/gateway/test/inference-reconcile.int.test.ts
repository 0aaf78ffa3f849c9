// The inference reconciler on real Postgres, Redis, a filesystem object store and the real
// inference service: the two crash windows of an asynchronous submit (row without a job, staged
// inputs without a row) are repaired, and what is still in use is left alone.
import { randomUUID } from 'node:crypto';
import type { Prisma } from '@medgrade/db';
import { getBuffer, inferenceInputsPrefix } from '@medgrade/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInferenceReconcileRepository, type InferenceReconcileResult, reconcileInferences } from '@medgrade/inference-runs';
import { completions, createInferenceEnv, dicomInput, row, stagedKeys, submit, until, type InferenceEnv } from './inference.harness.ts';

const HOUR = 3_600_000;

describe('inference reconciler', () => {
  let env: InferenceEnv;
  beforeAll(async () => {
    env = await createInferenceEnv();
  });
  afterAll(async () => {
    await env?.close();
  });

  // The state a crash between the row insert and the enqueue leaves: the row (and its staged
  // upload) exactly as submit wrote them, no InferenceRun job. Copied from a real submission.
  async function rowWithoutJob(status: 'QUEUED' | 'RUNNING', leaseExpiresAt: Date | null = null, createdAt = new Date(Date.now() - HOUR)): Promise<string> {
    const res = await submit(env, { models: ['tiny'], input: dicomInput(env, 7) });
    expect(res.statusCode).toBe(202);
    const source = await row(env, res.json().id as string);
    const id = randomUUID();
    const bytes = await getBuffer(env.store, `${inferenceInputsPrefix(source.orgId, source.id)}0.dcm`);
    await env.store.put(`${inferenceInputsPrefix(source.orgId, id)}0.dcm`, bytes, { contentType: 'application/dicom' });
    await env.gw.db.prisma.inference.create({
      data: {
        id, orgId: source.orgId, projectId: source.projectId, modelVersionId: source.modelVersionId, createdBy: source.createdBy,
        request: source.request as Prisma.InputJsonValue, status, leaseExpiresAt, createdAt,
      },
    });
    expect(await env.gw.redis.exists(`${env.gw.config.redis.keyPrefix}:inference:inference-${id}`)).toBe(0);
    return id;
  }

  it('re-enqueues QUEUED and RUNNING inferences a crash left without a job; the worker then completes each once', async () => {
    const queued = await rowWithoutJob('QUEUED');
    const running = await rowWithoutJob('RUNNING');
    const passes: InferenceReconcileResult[] = [];
    const worker = env.startWorker({ reconcile: { intervalMs: 200, graceMs: 60_000, batchSize: 10 }, onReconcile: (r) => passes.push(r) });
    try {
      // The job deletes staged inputs after its final write, so "done" is SUCCEEDED with no staged input left.
      const settled = async (id: string) => (await row(env, id)).status === 'SUCCEEDED' && (await stagedKeys(env, id)).length === 0;
      await until(async () => (await settled(queued)) && (await settled(running)), 'both re-enqueued inferences to complete and clean up');
      expect(passes.reduce((n, p) => n + p.requeued, 0)).toBe(2);
      for (const id of [queued, running]) {
        expect(await completions(env, id)).toHaveLength(1);
        expect((await row(env, id)).outputs).toEqual([expect.objectContaining({ instances: [expect.objectContaining({ text: expect.any(String) })] })]);
      }
      // Later passes find nothing more to do.
      const seen = passes.length;
      await until(() => passes.length >= seen + 2, 'two more passes');
      expect(passes.slice(seen).every((p) => p.requeued === 0)).toBe(true);
    } finally {
      await worker.close();
    }
  });

  it('once Redis has lost its queued jobs, re-enqueues a fresh QUEUED inference at once instead of after the grace period', async () => {
    const passes: InferenceReconcileResult[] = [];
    const worker = env.startWorker({ reconcile: { intervalMs: 200, graceMs: HOUR, batchSize: 10 }, onReconcile: (r) => passes.push(r) });
    try {
      // A pass has run, so Redis holds the marker of kept data; then a submit whose job is lost.
      await until(() => passes.length > 0, 'a first pass');
      const fresh = await rowWithoutJob('QUEUED', null, new Date());
      const seen = passes.length;
      await until(() => passes.length >= seen + 3, 'three passes');
      expect((await row(env, fresh)).status).toBe('QUEUED');
      // Redis comes back empty: the marker goes with everything else.
      expect(await env.gw.redis.del(`${env.gw.config.redis.keyPrefix}:queue-data`)).toBe(1);
      await until(async () => (await row(env, fresh)).status === 'SUCCEEDED', 'the lost inference to run');
      expect(await completions(env, fresh)).toHaveLength(1);
    } finally {
      await worker.close();
    }
  });

  it('deletes staged inputs whose inference is missing or final once past the grace period, at most batchSize a pass, and keeps live ones', async () => {
    const orgId = env.runner.orgId;
    const live = (await submit(env, { models: ['tiny'], input: dicomInput(env, 8) })).json().id as string;
    const finished = (await submit(env, { models: ['tiny'], input: dicomInput(env, 9) })).json().id as string;
    // A crash after the final write and before the clean-up.
    await env.gw.db.prisma.inference.update({ where: { id: finished }, data: { status: 'FAILED', errorCode: 'INTERNAL', completedAt: new Date() } });
    // A crash after staging and before the row insert.
    const orphanKey = `${inferenceInputsPrefix(orgId, randomUUID())}0.dcm`;
    await env.store.put(orphanKey, Buffer.from('de-identified bytes'), { contentType: 'application/dicom' });
    const foreignKey = 'inference-inputs/README.txt';
    await env.store.put(foreignKey, Buffer.from('not written by submit'));
    const deps = { repo: createInferenceReconcileRepository(env.gw.db.prisma), store: env.store, jobs: env.jobs };

    // Everything is younger than the grace period: nothing is touched.
    expect(await reconcileInferences(deps, { graceMs: HOUR, batchSize: 10 })).toEqual({ requeued: 0, webhooks: 0, stagedDeleted: 0 });
    expect(await keys()).toEqual(expect.arrayContaining([orphanKey, foreignKey, ...(await stagedKeys(env, live)), ...(await stagedKeys(env, finished))]));

    // Two hours later: two orphans, deleted one per pass; the live inference's job is still waiting.
    const later = { ...deps, now: () => new Date(Date.now() + 2 * HOUR) };
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await reconcileInferences(later, { graceMs: HOUR, batchSize: 1 }));
    expect(results.map((r) => r.stagedDeleted)).toEqual([1, 1, 0]);
    expect(results.every((r) => r.requeued === 0)).toBe(true);
    const left = await keys();
    expect(left).not.toContain(orphanKey);
    expect(await stagedKeys(env, finished)).toEqual([]);
    expect(await stagedKeys(env, live)).toEqual([`${inferenceInputsPrefix(orgId, live)}0.dcm`]);
    expect(left).toContain(foreignKey);
  });

  // Last: it leaves a row RUNNING under a lease, which the passes above would otherwise see lapse.
  it('re-runs a RUNNING inference whose run lease lapsed (its runner died) and leaves one under a live lease to its runner', async () => {
    const lapsed = await rowWithoutJob('RUNNING', new Date(Date.now() - 1000));
    const held = await rowWithoutJob('RUNNING', new Date(Date.now() + HOUR));
    const passes: InferenceReconcileResult[] = [];
    const worker = env.startWorker({ reconcile: { intervalMs: 200, graceMs: 60_000, batchSize: 10 }, onReconcile: (r) => passes.push(r) });
    try {
      await until(async () => (await row(env, lapsed)).status === 'SUCCEEDED', 'the lapsed inference to complete');
      await until(() => passes.length >= 2, 'two passes');
      expect(passes.reduce((n, p) => n + p.requeued, 0)).toBe(1);
      expect(await completions(env, lapsed)).toHaveLength(1);
      expect(await row(env, held)).toMatchObject({ status: 'RUNNING', completedAt: null });
      expect(await env.gw.redis.exists(`${env.gw.config.redis.keyPrefix}:inference:inference-${held}`)).toBe(0);
      // A job for a held row (a re-delivery, say) leaves it to its runner too.
      await env.jobs.enqueue('InferenceRun', { inferenceId: held, requestId: 'redelivered' });
      await until(async () => (await env.gw.redis.hget(`${env.gw.config.redis.keyPrefix}:inference:inference-${held}`, 'finishedOn')) !== null, 'the job to finish');
      expect(await row(env, held)).toMatchObject({ status: 'RUNNING', completedAt: null });
      expect(await completions(env, held)).toHaveLength(0);
    } finally {
      await worker.close();
    }
  });

  async function keys(): Promise<string[]> {
    const all: string[] = [];
    for await (const o of env.store.list('inference-inputs/')) all.push(o.key);
    return all;
  }
});
