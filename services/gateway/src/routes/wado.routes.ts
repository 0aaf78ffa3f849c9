// WADO-RS (PS3.18 10.4) over de-identified objects only: study, series and instance retrieval
// as multipart/related; type="application/dicom" (streamed object by object from the store),
// and their /metadata in DICOM JSON, whose Photometric Interpretation is that of the uncompressed
// frames (pixel-metadata.ts). Every retrieval is audited. Frames and rendered images are in
// wado-frames.routes.ts.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, binaryResponse, DICOM_MULTIPART, DicomJsonDatasetSchema, WadoInstanceParamsSchema, WadoSeriesParamsSchema, WadoStudyParamsSchema } from '@medgrade/contracts';
import { parseDicomAsync } from '@medgrade/dicom';
import { getBuffer } from '@medgrade/storage';
import { toDicomJson } from '../dicomweb/dicom-json.ts';
import { writeMultipart } from '../dicomweb/multipart.ts';
import { describeUncompressedFrames } from '../dicomweb/pixel-metadata.ts';
import { auditedUid, locate, storeOf, type WadoParams } from '../dicomweb/wado.locate.ts';
import { wadoUrl } from '../ingest/ingest.context.ts';
import { ingestMetrics } from '../ingest/ingest.metrics.ts';

function assertAcceptsDicom(accept: string | undefined): void {
  if (!accept) return;
  const ok = accept.split(',').some((a) => {
    const media = a.split(';')[0]!.trim().toLowerCase();
    return media === '*/*' || media === 'multipart/*' || (media === 'multipart/related' && !/type="?(?!application\/dicom)[^";]+/i.test(a));
  });
  if (!ok) throw new AppError('NOT_ACCEPTABLE', 'This resource is served as multipart/related; type="application/dicom" (use /metadata for DICOM JSON)');
}

export const wadoRoutes: FastifyPluginAsyncZod = async (app) => {
  const tags = ['dicomweb'];
  const metrics = ingestMetrics(app);
  const levels = [
    { path: '/dicomweb/studies/:study', params: WadoStudyParamsSchema, level: 'study', name: 'Study' },
    { path: '/dicomweb/studies/:study/series/:series', params: WadoSeriesParamsSchema, level: 'series', name: 'Series' },
    { path: '/dicomweb/studies/:study/series/:series/instances/:sop', params: WadoInstanceParamsSchema, level: 'instance', name: 'Instance' },
  ] as const;

  for (const { path, params, level, name } of levels) {
    app.get(path, {
      config: { scopes: ['studies:read'] },
      schema: {
        tags,
        operationId: `dicomweb.retrieve${name}`,
        summary: `WADO-RS: retrieve a de-identified ${level} (multipart/related; type="application/dicom")`,
        params,
        produces: [...DICOM_MULTIPART],
        response: { 200: binaryResponse('multipart/related; type="application/dicom" body, one Part 10 file per part', DICOM_MULTIPART) },
      },
    }, async (request, reply) => {
      assertAcceptsDicom(request.headers.accept);
      const found = await locate(app, request, request.params as WadoParams);
      const store = storeOf(app);
      await request.audit({ action: 'wado.retrieve', resourceType: level, resourceId: auditedUid(request.params as WadoParams), details: { instances: found.length } });
      // Opened before the response starts, so objects erased under their rows (an unfinished
      // study deletion erases them all) answer 404 instead of breaking the stream.
      const first = await store.get(found[0]!.objectKey);
      const boundary = `medgrade-${randomBytes(12).toString('hex')}`;
      const parts = (async function* () {
        for (const [i, f] of found.entries()) {
          const body = i === 0 ? first : await store.get(f.objectKey);
          const counted = (async function* () {
            for await (const chunk of body) {
              metrics.bytesOut((chunk as Buffer).length);
              yield chunk as Buffer;
            }
          })();
          yield { contentType: 'application/dicom', location: wadoUrl(app, f.studyInstanceUid, f.seriesInstanceUid, f.sopInstanceUid), body: counted };
        }
      })();
      return reply.type(`multipart/related; type="application/dicom"; boundary=${boundary}`).send(Readable.from(writeMultipart(boundary, parts)));
    });

    app.get(`${path}/metadata`, {
      config: { scopes: ['studies:read'] },
      schema: { tags, operationId: `dicomweb.retrieve${name}Metadata`, summary: `WADO-RS: metadata of a de-identified ${level} (DICOM JSON)`, params, produces: ['application/dicom+json'], response: { 200: z.array(DicomJsonDatasetSchema).describe('DICOM JSON, one dataset per instance') } },
    }, async (request, reply) => {
      const found = await locate(app, request, request.params as WadoParams);
      const store = storeOf(app);
      await request.audit({ action: 'wado.metadata', resourceType: level, resourceId: auditedUid(request.params as WadoParams), details: { instances: found.length } });
      const out = [];
      for (const f of found) {
        const file = await parseDicomAsync(await getBuffer(store, f.objectKey), { maxInflatedBytes: app.deps.config.ingest.maxInflatedBytes });
        out.push(describeUncompressedFrames(toDicomJson(file.dataset, wadoUrl(app, f.studyInstanceUid, f.seriesInstanceUid, f.sopInstanceUid)), file));
      }
      return reply.type('application/dicom+json').send(out);
    });
  }
};
