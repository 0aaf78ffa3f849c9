// Decompression bombs against the real gateway and worker (Postgres, Redis/BullMQ, s3rver): each is
// refused with a 413/422 (or a REJECTED instance) naming the limit it passed, nothing of it reaches
// the object store or the queue, and the process holds about the limit, never what the bomb declares.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deflateBomb, pixelBomb } from '../../packages/dicom/src/testing/bombs.ts';
import { gzipBomb, makeZip, overlappingZip } from './bombs.helpers.ts';
import { createIngestEnv, objectKeys, PYDICOM_DIR, stowBody, uploadForm, waitFinal, type IngestEnv } from './ingest.harness.ts';

const MiB = 1024 * 1024;
const LIMITS = { inflated: 8 * MiB, entries: 50, archive: 4 * MiB, bundle: 4 * MiB };
const spool = mkdtempSync(join(tmpdir(), 'bombs-spool-'));
const stale = join(spool, 'zip-left-by-a-killed-process');

const uid = () => `2.25.${BigInt(`0x${randomBytes(15).toString('hex')}`).toString()}`;
const uids = () => ({ study: uid(), series: uid(), sop: uid() });
type Json = Record<string, { Value?: unknown[] }>;

function zipForm(zip: Buffer): { body: Buffer; contentType: string } {
  const boundary = `z${randomBytes(8).toString('hex')}`;
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="study.zip"\r\nContent-Type: application/zip\r\n\r\n`);
  return { body: Buffer.concat([head, zip, Buffer.from(`\r\n--${boundary}--\r\n`)]), contentType: `multipart/form-data; boundary=${boundary}` };
}

describe('decompression bombs', () => {
  let env: IngestEnv;
  beforeAll(async () => {
    // A spooled archive a killed process left an hour ago: the gateway sweeps it when it starts.
    mkdirSync(stale);
    const old = new Date(Date.now() - 2 * 3_600_000);
    utimesSync(stale, old, old);
    env = await createIngestEnv({
      worker: true,
      env: {
        INGEST_MAX_INFLATED_BYTES: String(LIMITS.inflated),
        INGEST_MAX_ARCHIVE_ENTRIES: String(LIMITS.entries),
        INGEST_MAX_ARCHIVE_BYTES: String(LIMITS.archive),
        MODEL_MAX_BUNDLE_BYTES: String(LIMITS.bundle),
        INGEST_SPOOL_DIR: spool,
      },
    });
  });
  afterAll(async () => {
    await env?.close();
    rmSync(spool, { recursive: true, force: true });
  });

  const upload = (form: { body: Buffer; contentType: string }) =>
    env.gw.app.inject({ method: 'POST', url: `/v1/uploads?projectId=${env.projectId}`, headers: { authorization: env.writer.auth, 'content-type': form.contentType }, payload: form.body });
  const instanceCount = () => env.gw.db.prisma.instance.count({ where: { projectId: env.projectId, status: { not: 'REJECTED' } } });

  it('refuses a deflated instance that inflates past the limit at upload: REJECTED INFLATED_TOO_LARGE, never stored or queued, memory bounded', async () => {
    const bomb = deflateBomb(uids(), 512 * MiB);
    expect(bomb.length).toBeLessThan(MiB);
    global.gc?.();
    const rss = process.memoryUsage().rss;
    const res = await upload(uploadForm([bomb]));
    const grown = process.memoryUsage().rss - rss;
    expect(res.statusCode).toBe(202);
    const [instance] = res.json().instances;
    expect(instance).toMatchObject({ status: 'REJECTED', errorCode: 'INFLATED_TOO_LARGE', message: `exceeds the limit of ${LIMITS.inflated} bytes per inflated (deflated transfer syntax) data set` });
    // 512 MiB declared; inflation stops at the 8 MiB limit.
    expect(grown).toBeLessThan(160 * MiB);
    expect(await objectKeys(env, 'quarantine/')).toEqual([]);
    expect(await env.jobs.depth()).toEqual(expect.arrayContaining([expect.objectContaining({ queue: 'deidentify', waiting: 0, active: 0 })]));
    // STOW-RS: the same refusal in FailedSOPSequence, with the code first.
    const { body, contentType } = stowBody([deflateBomb(uids(), 64 * MiB)]);
    const stow = await env.gw.app.inject({ method: 'POST', url: `/dicomweb/studies?projectId=${env.projectId}`, headers: { authorization: env.writer.auth, 'content-type': contentType }, payload: body });
    const failed = ((stow.json() as Json)['00081198']!.Value as Json[])[0]!;
    expect(String(failed['00000902']!.Value![0])).toMatch(/^INFLATED_TOO_LARGE: exceeds the limit of 8388608 bytes/);
    expect(await instanceCount()).toBe(0);
  });

  it('a deflated instance within the limit is de-identified (the worker charges its inflated size)', async () => {
    const res = await upload(uploadForm([deflateBomb(uids(), 4 * MiB)]));
    expect(res.json().instances[0]).toMatchObject({ status: 'RECEIVED', errorCode: null });
    await waitFinal(env);
    const row = await env.gw.db.prisma.instance.findUniqueOrThrow({ where: { id: res.json().instances[0].id } });
    expect(row).toMatchObject({ status: 'READY', errorCode: null });
  });

  /** Upload and instance rows in the database: a refused archive must add neither. */
  const storedRows = async () => ({ uploads: await env.gw.db.prisma.upload.count(), instances: await env.gw.db.prisma.instance.count() });

  it('refuses a zip with more entries than the limit (413 ARCHIVE_TOO_MANY_ENTRIES) before inflating any', async () => {
    const zip = makeZip(Array.from({ length: LIMITS.entries + 10 }, (_, i) => ({ name: `s/${i}.dcm`, data: Buffer.from(`entry ${i}`) })));
    const before = await storedRows();
    const res = await upload(zipForm(zip));
    expect(res.statusCode).toBe(413);
    expect(res.json().error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', message: `the .zip archive exceeds the limit of ${LIMITS.entries} entries per .zip archive`, details: { limit: 'ARCHIVE_TOO_MANY_ENTRIES', max: LIMITS.entries } });
    // Refused before any file was taken: no upload record and no instance (73ca621 creates the upload lazily).
    expect(await storedRows()).toEqual(before);
  });

  it('refuses a zip whose entries share compressed data (422 ARCHIVE_OVERLAPPING_ENTRIES)', async () => {
    const kernel = readFileSync(join(PYDICOM_DIR, 'CT_small.dcm'));
    const before = await storedRows();
    const res = await upload(zipForm(overlappingZip(kernel, 40)));
    expect(res.statusCode).toBe(422);
    expect(res.json().error).toMatchObject({ code: 'UNPROCESSABLE', details: { limit: 'ARCHIVE_OVERLAPPING_ENTRIES' } });
    expect(await storedRows()).toEqual(before);
  });

  it('refuses a zip whose entries inflate past the archive limit together, though each is within the instance limit (413 ARCHIVE_TOO_LARGE)', async () => {
    const zip = makeZip(Array.from({ length: 6 }, (_, i) => ({ name: `big/${i}.dcm`, data: Buffer.alloc(MiB, i), deflate: true })));
    expect(zip.length).toBeLessThan(64 * 1024);
    const res = await upload(zipForm(zip));
    expect(res.statusCode).toBe(413);
    expect(res.json().error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', details: { limit: 'ARCHIVE_TOO_LARGE', max: LIMITS.archive } });
  });

  it('refuses a truncated or corrupt zip with a 400 naming the fix, not a 500 (found by bench:reliability)', async () => {
    const whole = makeZip([{ name: 'a/ct.dcm', data: readFileSync(join(PYDICOM_DIR, 'CT_small.dcm')), deflate: true }]);
    for (const zip of [whole.subarray(0, Math.floor(whole.length / 2)), Buffer.from('PK\u0003\u0004 not really a zip'), Buffer.concat([whole.subarray(0, 40), Buffer.alloc(200, 0xff), whole.subarray(240)])]) {
      const res = await upload(zipForm(zip));
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('not a valid zip archive') });
    }
    expect(readdirSync(spool)).toEqual([]);
  });

  it('spools archives under the configured folder, leaves nothing there, and swept what a killed process left', async () => {
    const ok = await upload(zipForm(makeZip([{ name: 'a/ct.dcm', data: readFileSync(join(PYDICOM_DIR, 'CT_small.dcm')), deflate: true }])));
    expect(ok.statusCode).toBe(202);
    expect(readdirSync(spool)).toEqual([]);
  });

  it('refuses a .tar.gz model bundle that inflates past the bundle limit (413 BUNDLE_TOO_LARGE) while it streams in', async () => {
    const modeler = await env.gw.key('acme', ['models:write', 'models:read']);
    const created = await env.gw.app.inject({ method: 'POST', url: '/v1/models', headers: { authorization: modeler.auth }, payload: { name: 'bomb-target' } });
    expect(created.statusCode).toBe(201);
    const bomb = gzipBomb(256 * MiB);
    expect(bomb.length).toBeLessThan(MiB);
    global.gc?.();
    const rss = process.memoryUsage().rss;
    const res = await env.gw.app.inject({ method: 'POST', url: '/v1/models/bomb-target/versions', headers: { authorization: modeler.auth, 'content-type': 'application/gzip' }, payload: bomb });
    expect(process.memoryUsage().rss - rss).toBeLessThan(128 * MiB);
    expect(res.statusCode).toBe(413);
    expect(res.json().error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', message: `the inflated bundle exceeds the limit of ${LIMITS.bundle} bytes per model bundle (compressed and inflated)`, details: { limit: 'BUNDLE_TOO_LARGE' } });
  });

  it('serves no frame whose declared size passes the pixel limit: 422 naming the limit, not a crash', async () => {
    const u = uids();
    const res = await upload(uploadForm([pixelBomb(u, 65535, 65535)]));
    expect(res.json().instances[0].status).toBe('RECEIVED');
    await waitFinal(env);
    const row = await env.gw.db.prisma.instance.findUniqueOrThrow({ where: { id: res.json().instances[0].id } });
    expect(row.status).toBe('READY');
    const base = `/dicomweb/studies/${row.studyInstanceUid}/series/${row.seriesInstanceUid}/instances/${row.sopInstanceUid}`;
    for (const url of [`${base}/frames/1`, `${base}/rendered`]) {
      const got = await env.gw.app.inject({ method: 'GET', url, headers: { authorization: env.writer.auth } });
      expect(got.statusCode).toBe(422);
      expect(got.json().error).toMatchObject({ code: 'UNPROCESSABLE', details: { reason: 'TOO_LARGE' }, message: expect.stringMatching(/exceeds the limit of \d+ samples per frame/) });
    }
  });
});
