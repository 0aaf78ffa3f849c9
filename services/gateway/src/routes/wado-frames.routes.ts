// WADO-RS frames (PS3.18 10.4, frameList) and rendered images (9.5) of de-identified instances.
// Frames: multipart/related, one part per requested frame, uncompressed little endian (decoded
// from RLE / JPEG Baseline when stored so) or the stored encoding with transfer-syntax=*.
// Bulk data: the value of a large top-level attribute /metadata lists by BulkDataURI; Pixel Data
// as the uncompressed frames /metadata describes. Rendered: one frame as PNG (default) or JPEG. The object is read once; only the frames asked
// for are located and decoded, one at a time as the response is written. Every read is audited.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import {
  BadRequestError, binaryResponse, ErrorResponseSchema, FRAME_MEDIA_TYPES, RENDERED_MEDIA_TYPES, WadoFramesParamsSchema,
  NotFoundError, WadoBulkdataParamsSchema, WadoInstanceParamsSchema, WadoRenderedQuerySchema } from '@medgrade/contracts';
import { encodeNativeFrame, SUPPORTED_PIXEL_TRANSFER_SYNTAXES, uncompressedDescription, type PixelFrames } from '@medgrade/dicom/pixels';
import { encodeJpeg, encodePng, renderFrame } from '@medgrade/dicom/render';
import { parseDicomAsync } from '@medgrade/dicom';
import { getBuffer } from '@medgrade/storage';
import { fragmentBytes } from '../dicomweb/dicom-json.ts';
import { chooseFrameEncoding, frameRanges, isLittleEndianNative, type FrameEncoding } from '../dicomweb/frames.encoding.ts';
import { writeMultipart } from '../dicomweb/multipart.ts';
import { pixelFramesOf, unprocessable } from '../dicomweb/rendered.image.ts';
import { frameIndices, parseViewport, parseWindow, renderedMedia } from '../dicomweb/rendered.params.ts';
import { locate, storeOf, type Located } from '../dicomweb/wado.locate.ts';
import { wadoUrl } from '../ingest/ingest.context.ts';
import { ingestMetrics } from '../ingest/ingest.metrics.ts';

const INSTANCE = '/dicomweb/studies/:study/series/:series/instances/:sop';
const PIXEL_DATA = 0x7fe00010;
const OCTET_PART = 'application/octet-stream';
type InstanceParams = z.infer<typeof WadoInstanceParamsSchema>;

/** The located instance and its pixel frames (object read once, frames located on demand). */
async function openInstance(app: FastifyInstance, request: FastifyRequest, p: InstanceParams): Promise<{ found: Located; frames: PixelFrames }> {
  const [found] = await locate(app, request, p);
  const bytes = await getBuffer(storeOf(app), found!.objectKey);
  const { maxFramePixels, maxInflatedBytes } = app.deps.config.ingest;
  return { found: found!, frames: pixelFramesOf(bytes, { maxFramePixels, maxInflatedBytes }) };
}

/** Bytes of frame `index` in the chosen encoding; uncompressed ones laid out as /metadata states. */
function frameBody(frames: PixelFrames, index: number, encoding: FrameEncoding): Buffer {
  const { source } = frames;
  const bytes = unprocessable(() => {
    if (encoding.kind === 'stored' || isLittleEndianNative(source.transferSyntaxUid)) return frames.stored(index);
    return encodeNativeFrame(frames.decode(index), uncompressedDescription(source, frames.encapsulated));
  });
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Every frame of the instance, uncompressed little endian, back to back. */
async function pixelBulk(app: FastifyInstance, request: FastifyRequest, p: InstanceParams): Promise<Buffer> {
  const { frames } = await openInstance(app, request, p);
  const native: FrameEncoding = { kind: 'native', contentType: OCTET_PART, media: OCTET_PART };
  const out: Buffer[] = [];
  for (let i = 0; i < frames.source.numberOfFrames; i++) out.push(frameBody(frames, i, native));
  return Buffer.concat(out);
}

/** The value of a top-level attribute other than Pixel Data; 404 when the instance has none. */
async function attributeBulk(app: FastifyInstance, request: FastifyRequest, p: InstanceParams, tag: number): Promise<Buffer> {
  const [found] = await locate(app, request, p);
  const { dataset } = await parseDicomAsync(await getBuffer(storeOf(app), found!.objectKey), { maxInflatedBytes: app.deps.config.ingest.maxInflatedBytes });
  const element = dataset.get(tag);
  if (!element || element.vr === 'SQ') throw new NotFoundError('Bulk data');
  const bytes = element.fragments !== undefined ? fragmentBytes(dataset, element) : dataset.valueBytes(element);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export const wadoFrameRoutes: FastifyPluginAsyncZod = async (app) => {
  const tags = ['dicomweb'];
  const metrics = ingestMetrics(app);

  app.get(`${INSTANCE}/frames/:frames`, {
    config: { scopes: ['studies:read'] },
    schema: {
      tags,
      operationId: 'dicomweb.retrieveFrames',
      summary: 'WADO-RS: retrieve frames of a de-identified instance (multipart/related, one part per frame)',
      description: 'Uncompressed little endian (`type="application/octet-stream"`, the default; RLE and JPEG Baseline are decoded), or the stored encoding with `transfer-syntax=*` (parts typed e.g. `image/jpeg; transfer-syntax=1.2.840.10008.1.2.4.50`). Frame numbers start at 1.',
      params: WadoFramesParamsSchema,
      produces: [...FRAME_MEDIA_TYPES],
      response: { 200: binaryResponse('multipart/related body, one frame per part, in the order asked', FRAME_MEDIA_TYPES), 422: ErrorResponseSchema },
    },
  }, async (request, reply) => {
    const ranges = frameRanges(request.headers.accept);
    const { found, frames } = await openInstance(app, request, request.params);
    const indices = frameIndices(request.params.frames, frames.source.numberOfFrames);
    const { transferSyntaxUid } = frames.source;
    const encoding = chooseFrameEncoding(ranges, { transferSyntaxUid, encapsulated: frames.encapsulated, decodable: SUPPORTED_PIXEL_TRANSFER_SYNTAXES.includes(transferSyntaxUid) });
    // The first frame before the status line: a frame that cannot be served is a 422, not a cut stream.
    const first = frameBody(frames, indices[0]!, encoding);
    await request.audit({ action: 'wado.frames', resourceType: 'instance', resourceId: found.sopInstanceUid, details: { frames: indices.length, encoding: encoding.kind } });
    const base = wadoUrl(app, found.studyInstanceUid, found.seriesInstanceUid, found.sopInstanceUid);
    const parts = (async function* () {
      for (const [k, index] of indices.entries()) {
        const body = k === 0 ? first : frameBody(frames, index, encoding);
        metrics.bytesOut(body.length);
        yield { contentType: encoding.contentType, location: `${base}/frames/${index + 1}`, body };
      }
    })();
    const boundary = `medgrade-${randomBytes(12).toString('hex')}`;
    return reply.type(`multipart/related; type="${encoding.media}"; boundary=${boundary}`).send(Readable.from(writeMultipart(boundary, parts)));
  });

  app.get(`${INSTANCE}/bulkdata/:tag`, {
    config: { scopes: ['studies:read'] },
    schema: {
      tags,
      operationId: 'dicomweb.retrieveBulkdata',
      summary: 'WADO-RS: retrieve the bulk data of one attribute of a de-identified instance (a BulkDataURI of /metadata)',
      description: 'multipart/related; type="application/octet-stream", one part. Pixel Data (7FE00010) is the uncompressed little endian frames, one after another (RLE and JPEG Baseline are decoded), as /metadata describes them; another attribute is its value (encapsulated values: their fragments, concatenated).',
      params: WadoBulkdataParamsSchema,
      produces: ['multipart/related; type="application/octet-stream"'],
      response: { 200: binaryResponse('multipart/related body with one application/octet-stream part', ['multipart/related; type="application/octet-stream"']), 422: ErrorResponseSchema },
    },
  }, async (request, reply) => {
    const tag = Number.parseInt(request.params.tag, 16);
    const body = tag === PIXEL_DATA ? await pixelBulk(app, request, request.params) : await attributeBulk(app, request, request.params, tag);
    await request.audit({ action: 'wado.bulkdata', resourceType: 'instance', resourceId: request.params.sop, details: { tag: request.params.tag.toUpperCase() } });
    metrics.bytesOut(body.length);
    const boundary = `medgrade-${randomBytes(12).toString('hex')}`;
    const location = `${wadoUrl(app, request.params.study, request.params.series, request.params.sop)}/bulkdata/${request.params.tag.toUpperCase()}`;
    const parts = (async function* () {
      yield { contentType: OCTET_PART, location, body };
    })();
    return reply.type(`multipart/related; type="${OCTET_PART}"; boundary=${boundary}`).send(Readable.from(writeMultipart(boundary, parts)));
  });

  const rendered = [
    { path: `${INSTANCE}/rendered`, params: WadoInstanceParamsSchema, what: 'a de-identified instance (frame 1 of a multi-frame one)', operationId: 'dicomweb.retrieveRenderedInstance' },
    { path: `${INSTANCE}/frames/:frames/rendered`, params: WadoFramesParamsSchema, what: 'one frame of a de-identified instance', operationId: 'dicomweb.retrieveRenderedFrame' },
  ] as const;
  for (const { path, params, what, operationId } of rendered) {
    app.get(path, {
      config: { scopes: ['studies:read'] },
      schema: {
        tags,
        operationId,
        summary: `WADO-RS: ${what} rendered as image/png (default) or image/jpeg`,
        description: 'Rescale slope/intercept, then the VOI window (`window`, else the header\'s first window, else the frame\'s value range), MONOCHROME1 inverted, 8 bits; `viewport=vw,vh` scales to fit, aspect kept.',
        params,
        querystring: WadoRenderedQuerySchema,
        produces: [...RENDERED_MEDIA_TYPES],
        response: { 200: binaryResponse('The rendered image, image/png or image/jpeg as negotiated', RENDERED_MEDIA_TYPES), 422: ErrorResponseSchema },
      },
    }, async (request, reply) => {
      const query = request.query;
      const media = renderedMedia(query.accept, request.headers.accept);
      const options = { window: parseWindow(query.window), viewport: parseViewport(query.viewport) };
      const frameList = 'frames' in request.params ? request.params.frames : '1';
      if (frameList.includes(',')) throw new BadRequestError('A rendered image holds one frame: ask for a single frame number', { key: 'frames' });
      const { found, frames } = await openInstance(app, request, request.params);
      const [index] = frameIndices(frameList, frames.source.numberOfFrames);
      const image = unprocessable(() => renderFrame(frames.decode(index!), frames.source, options));
      const body = media === 'image/png' ? encodePng(image) : encodeJpeg(image, query.quality ?? 90);
      await request.audit({ action: 'wado.rendered', resourceType: 'instance', resourceId: found.sopInstanceUid, details: { frame: index! + 1, media } });
      metrics.bytesOut(body.length);
      return reply.type(media).send(body);
    });
  }
};
