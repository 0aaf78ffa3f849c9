// STOW-RS (PS3.18 10.5): POST /dicomweb/studies with multipart/related; type="application/dicom".
// The body is streamed part by part (never the whole request in memory); each part is validated
// and accepted on its own, so one bad part fails only itself. A size-limit or truncation error
// mid-body ends the request with its 4xx, and the parts accepted before it stay accepted.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppError} from '@medgrade/contracts';
import {
  BadRequestError, DicomJsonDatasetSchema, ErrorResponseSchema, jsonResponse, PayloadTooLargeError, StowBody, UnsupportedMediaTypeError, UploadTargetQuerySchema,
} from '@medgrade/contracts';
import { MultipartError, parseMultipartType, readMultipart } from '../dicomweb/multipart.ts';
import { stowResponse } from '../dicomweb/stow.response.ts';
import { uploadProject, wadoUrl } from '../ingest/ingest.context.ts';
import { openUploadSession, type UploadSession } from '../ingest/upload.session.ts';

const DICOM_JSON = 'application/dicom+json';
const STOW_TYPE = 'multipart/related; type="application/dicom"; boundary=<boundary>';

// A part usually arrives as one slice of a request chunk: keep that view instead of copying.
async function collect(body: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

function contentTypeOf(header: string | undefined): string {
  const type = parseMultipartType(header);
  if (type.media !== 'multipart/related') throw new UnsupportedMediaTypeError(`STOW-RS needs Content-Type: ${STOW_TYPE}`);
  if (type.type && type.type !== 'application/dicom') throw new UnsupportedMediaTypeError('Only type="application/dicom" parts are supported (Part 10 files)');
  if (!type.boundary) throw new BadRequestError(`Content-Type lacks the boundary parameter: ${STOW_TYPE}`);
  return type.boundary;
}

function mapMultipartError(error: MultipartError, session: UploadSession): AppError {
  const details = { uploadId: session.uploadId, acceptedBeforeError: session.results.filter((r) => r.ok).length };
  if (error.code === 'PART_TOO_LARGE' || error.code === 'REQUEST_TOO_LARGE') return new PayloadTooLargeError(error.message, details);
  return new BadRequestError(error.message, details);
}

export const stowRoutes: FastifyPluginAsyncZod = async (app) => {
  // Leave the body unread: the handler streams it from request.raw.
  app.addContentTypeParser('multipart/related', (_request, _payload, done) => done(null));
  const { ingest } = app.deps.config;

  app.post('/dicomweb/studies', {
    config: { scopes: ['studies:write'], uploadBytes: true },
    schema: {
      tags: ['dicomweb'],
      operationId: 'dicomweb.storeInstances',
      summary: 'STOW-RS: store DICOM instances (multipart/related; type="application/dicom")',
      description: `Body: ${STOW_TYPE}, one Part 10 file per part. Limits: ${ingest.maxInstanceBytes} bytes per instance, ${ingest.maxRequestBytes} per request. 200 all stored, 202 some failed (FailedSOPSequence with reasons) or were already stored with other bytes (same SOP Instance UID: referenced as the stored instance with WarningReason 0xB00E), 409 none stored.`,
      requestBody: StowBody,
      querystring: UploadTargetQuerySchema,
      response: {
        200: jsonResponse('Every instance stored (or already stored with the same bytes)', DicomJsonDatasetSchema, DICOM_JSON),
        202: jsonResponse('Some instances failed (FailedSOPSequence with reasons) or were already stored with other bytes (WarningReason 0xB00E)', DicomJsonDatasetSchema, DICOM_JSON),
        // The project named by ?projectId is not visible to the key; the store is not configured.
        404: ErrorResponseSchema, 503: ErrorResponseSchema,
        409: jsonResponse('No instance stored: FailedSOPSequence says why for each', DicomJsonDatasetSchema, DICOM_JSON),
      },
    },
  }, async (request, reply) => {
    const boundary = contentTypeOf(request.headers['content-type']);
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > ingest.maxRequestBytes) throw new PayloadTooLargeError(`Request body exceeds ${ingest.maxRequestBytes} bytes: split it into smaller requests`);
    const projectId = await uploadProject(app, request, request.query.projectId);
    const session = await openUploadSession(app, request, projectId);
    let streamError: unknown;
    try {
      const parts = readMultipart(request.raw, boundary, { maxPartBytes: ingest.maxInstanceBytes, maxTotalBytes: ingest.maxRequestBytes });
      for await (const part of parts) {
        const type = (part.headers['content-type'] ?? 'application/dicom').split(';')[0]!.trim().toLowerCase();
        if (type !== 'application/dicom') {
          session.results.push({ ok: false, code: 'NOT_DICOM', message: 'part Content-Type must be application/dicom' });
          continue;
        }
        await session.submit(await collect(part.body));
      }
    } catch (error) {
      streamError = error;
    }
    // Parts already submitted finish (and stay accepted) whatever happened to the rest of the body.
    await session.finish();
    if (streamError instanceof MultipartError) throw mapMultipartError(streamError, session);
    if (streamError) throw streamError;
    if (session.results.length === 0) throw new BadRequestError('The request contained no parts: send one Part 10 file per part');
    const { status, body } = stowResponse(session.results, (uids) => wadoUrl(app, uids.study, uids.series, uids.sop), (study) => wadoUrl(app, study));
    return reply.code(status).type('application/dicom+json').send(body);
  });
};
