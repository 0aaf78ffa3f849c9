// DELETE /v1/studies/{id} end to end (real Postgres, Redis/BullMQ, s3rver, the engine): a READY
// multi-series study uploaded through STOW-RS is erased (rows, de-identified objects, a quarantined
// REJECTED try), audited with its reason, gone from /v1/studies, QIDO-RS and WADO-RS, and its SOP
// Instance UIDs can be uploaded again. Refused while an instance is in flight, without admin, for
// another organization or project, without a reason; a failure after the objects were erased
// leaves WADO answering 404 and a retried DELETE finishes.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectStore } from '../../packages/storage/src/index.ts';
import { createIngestEnv, filesUnder, MULTI_SERIES_DIR, objectKeys, stowBody, waitFinal, type IngestEnv } from './ingest.harness.ts';

// pydicom's 98892003 folder holds three studies; the one erased has 11 instances in 3 series, the
// other two (4 + 2 instances) stay, so every test also checks that a deletion touches one study.
const SOURCES = filesUnder(MULTI_SERIES_DIR).map((f) => readFileSync(f));
const ERASED = { instances: 11, series: 3 };
const KEPT = SOURCES.length - ERASED.instances;

/** Wraps the gateway's store: when armed, the next deleteMany erases its keys and then fails (a lost reply). */
function failingAfterDelete() {
  let armed = false;
  const wrap = (store: ObjectStore): ObjectStore => ({
    ...Object.fromEntries((['get', 'head', 'put', 'delete', 'list', 'check'] as const).map((m) => [m, store[m].bind(store)])),
    async deleteMany(keys) {
      await store.deleteMany(keys);
      if (!armed) return;
      armed = false;
      throw new Error('simulated object-store failure after the delete');
    },
  } as ObjectStore);
  return { wrap, arm: () => (armed = true) };
}

describe('DELETE /v1/studies/{id}', () => {
  let env: IngestEnv;
  let admin: string;
  const flaky = failingAfterDelete();
  beforeAll(async () => {
    env = await createIngestEnv({ worker: true, gatewayStore: flaky.wrap });
    admin = (await env.gw.key('acme', ['admin'])).auth;
  });
  afterAll(async () => env?.close());

  const prisma = () => env.gw.db.prisma;
  const keys = (prefix: string) => objectKeys(env, prefix);
  const del = (id: string, auth: string | undefined, payload: unknown = { reason: 'Consent withdrawn by the site' }) =>
    env.gw.app.inject({ method: 'DELETE', url: `/v1/studies/${id}`, headers: auth ? { authorization: auth } : {}, payload: payload as object });
  const get = (url: string) => env.gw.app.inject({ url, headers: { authorization: env.writer.auth } });

  /** Uploads the corpus into the project and waits for it; returns its largest Study row and that study's READY SOP UIDs. */
  async function uploadStudy(projectId: string) {
    const { body, contentType } = stowBody(SOURCES);
    const res = await env.gw.app.inject({ method: 'POST', url: `/dicomweb/studies?projectId=${projectId}`, headers: { authorization: env.writer.auth, 'content-type': contentType }, payload: body });
    expect([200, 202]).toContain(res.statusCode);
    await waitFinal({ ...env, projectId });
    expect(await prisma().instance.count({ where: { projectId, status: 'READY' } })).toBe(SOURCES.length);
    const study = await prisma().study.findFirstOrThrow({ where: { projectId }, orderBy: { instanceCount: 'desc' } });
    const ready = await prisma().instance.findMany({ where: { projectId, studyInstanceUid: study.studyInstanceUid, status: 'READY' }, orderBy: { sopInstanceUid: 'asc' } });
    expect(ready).toHaveLength(ERASED.instances);
    return { study, sops: ready.map((r) => r.sopInstanceUid) };
  }

  it('erases a READY multi-series study: rows, objects, audit with the reason; QIDO/WADO 404; the same SOPs upload again', async () => {
    const projectId = env.projectId;
    const { study, sops } = await uploadStudy(projectId);
    expect(await prisma().series.count({ where: { studyId: study.id } })).toBe(ERASED.series);
    const deidPrefix = `deid/${env.writer.orgId}/${projectId}/${study.studyInstanceUid}/`;
    expect(await keys(deidPrefix)).toHaveLength(ERASED.instances);
    // A REJECTED try of the study whose raw upload is held in quarantine (for review): erased too.
    const held = `quarantine/${env.writer.orgId}/${projectId}/held-for-review.dcm`;
    await env.store.put(held, SOURCES[0]!);
    await prisma().instance.create({ data: { orgId: env.writer.orgId, projectId, status: 'REJECTED', errorCode: 'BURNED_IN', inputSha256: 'r', quarantineKey: held, studyInstanceUid: study.studyInstanceUid, sopInstanceUid: '2.25.999' } });

    const otherProject = await env.gw.project(env.writer.orgId, 'elsewhere');
    const refusals = [
      await del(study.id, undefined),
      await del(study.id, env.writer.auth),
      await del(study.id, (await env.gw.key('other-org', ['admin'])).auth),
      await del(study.id, (await env.gw.key('acme', ['admin'], otherProject)).auth),
      await del(study.id, admin, {}),
      await del(study.id, admin, { reason: 'x' }),
    ];
    expect(refusals.map((r) => [r.statusCode, r.json().error.code])).toEqual([
      [401, 'UNAUTHENTICATED'], [403, 'FORBIDDEN'], [404, 'NOT_FOUND'], [404, 'NOT_FOUND'], [400, 'VALIDATION_FAILED'], [400, 'VALIDATION_FAILED'],
    ]);
    expect(await prisma().study.count({ where: { id: study.id } })).toBe(1);

    const res = await del(study.id, admin);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ id: study.id, deletedInstances: ERASED.instances + 1, deletedSeries: ERASED.series });
    expect(await prisma().instance.count({ where: { projectId, studyInstanceUid: study.studyInstanceUid } })).toBe(0);
    expect([await prisma().series.count({ where: { studyId: study.id } }), await prisma().study.count({ where: { id: study.id } })]).toEqual([0, 0]);
    expect(await keys(deidPrefix)).toEqual([]);
    // The project's other studies are untouched.
    expect(await prisma().instance.count({ where: { projectId, status: 'READY' } })).toBe(KEPT);
    expect(await keys(`deid/${env.writer.orgId}/${projectId}/`)).toHaveLength(KEPT);
    expect(await prisma().study.count({ where: { projectId } })).toBe(2);
    expect(await keys(`quarantine/${env.writer.orgId}/${projectId}/`)).toEqual([]);

    const events = await prisma().auditEvent.findMany({ where: { action: 'study.deleted', resourceId: study.id } });
    expect(events).toHaveLength(1);
    expect(events[0]!.details).toEqual({ projectId, deletedInstances: ERASED.instances + 1, deletedSeries: ERASED.series, deletedObjects: ERASED.instances + 1, reason: 'Consent withdrawn by the site' });
    expect(JSON.stringify(events[0]!.details)).not.toContain(study.studyInstanceUid);

    expect((await get(`/v1/studies/${study.id}`)).statusCode).toBe(404);
    expect((await get(`/v1/studies?studyInstanceUid=${study.studyInstanceUid}`)).json().items).toEqual([]);
    const qido = await get(`/dicomweb/studies?StudyInstanceUID=${study.studyInstanceUid}`);
    expect(qido.statusCode === 204 || (qido.statusCode === 200 && qido.json().length === 0)).toBe(true);
    expect((await get(`/dicomweb/studies/${study.studyInstanceUid}`)).statusCode).toBe(404);
    expect((await del(study.id, admin)).statusCode).toBe(404);

    const again = await uploadStudy(projectId);
    expect(again.sops).toEqual(sops);
    expect(again.study.studyInstanceUid).toBe(study.studyInstanceUid);
    expect(await prisma().instance.count({ where: { projectId, status: { not: 'READY' } } })).toBe(0);
    expect(await keys(deidPrefix)).toHaveLength(ERASED.instances);
    expect((await get(`/dicomweb/studies/${study.studyInstanceUid}`)).statusCode).toBe(200);
  });

  it('409 while an instance of the study is still being ingested; nothing erased', async () => {
    const projectId = await env.gw.project(env.writer.orgId, 'in-flight');
    const { study } = await uploadStudy(projectId);
    const [row] = await prisma().$queryRaw<{ id: string }[]>`
      INSERT INTO "Instance" ("id", "orgId", "projectId", "status", "inputSha256", "studyInstanceUid", "sopInstanceUid", "updatedAt")
      VALUES (gen_random_uuid(), ${env.writer.orgId}::uuid, ${projectId}::uuid, 'RECEIVED', 'f', ${study.studyInstanceUid}, '2.25.4242', now())
      RETURNING "id"::text AS "id"`;
    const res = await del(study.id, admin);
    expect([res.statusCode, res.json().error.code]).toEqual([409, 'CONFLICT']);
    expect(res.json().error.message).toMatch(/retry the deletion once ingestion has finished/);
    expect(await keys(`deid/${env.writer.orgId}/${projectId}/`)).toHaveLength(SOURCES.length);
    expect(await prisma().instance.count({ where: { projectId, status: 'READY' } })).toBe(SOURCES.length);
    await prisma().instance.update({ where: { id: row!.id }, data: { status: 'FAILED' } });
    expect((await del(study.id, admin)).json()).toEqual({ id: study.id, deletedInstances: ERASED.instances + 1, deletedSeries: ERASED.series });
  });

  it('a failure after the objects were erased: WADO answers 404, not 500, and the retried DELETE completes', async () => {
    const projectId = await env.gw.project(env.writer.orgId, 'retry');
    const { study } = await uploadStudy(projectId);
    const one = await prisma().instance.findFirstOrThrow({ where: { projectId, studyInstanceUid: study.studyInstanceUid, status: 'READY' } });
    flaky.arm();
    const failed = await del(study.id, admin);
    expect([failed.statusCode, failed.json().error.code]).toEqual([500, 'INTERNAL']);
    expect(await keys(`deid/${env.writer.orgId}/${projectId}/${study.studyInstanceUid}/`)).toEqual([]);
    expect(await prisma().instance.count({ where: { projectId, status: 'READY' } })).toBe(SOURCES.length);
    const base = `/dicomweb/studies/${one.studyInstanceUid}/series/${one.seriesInstanceUid}/instances/${one.sopInstanceUid}`;
    for (const url of [`/dicomweb/studies/${one.studyInstanceUid}`, base, `${base}/metadata`, `${base}/frames/1`]) {
      const res = await get(url);
      expect({ url, status: res.statusCode, code: res.json().error.code }).toEqual({ url, status: 404, code: 'NOT_FOUND' });
    }
    expect(await prisma().auditEvent.count({ where: { action: 'study.deleted', resourceId: study.id } })).toBe(0);
    const retried = await del(study.id, admin);
    expect(retried.json()).toEqual({ id: study.id, deletedInstances: ERASED.instances, deletedSeries: ERASED.series });
    expect(await prisma().study.count({ where: { projectId } })).toBe(2);
    expect(await keys(`deid/${env.writer.orgId}/${projectId}/`)).toHaveLength(KEPT);
    expect(await prisma().auditEvent.count({ where: { action: 'study.deleted', resourceId: study.id } })).toBe(1);
  });
});
