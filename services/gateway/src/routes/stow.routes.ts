// STOW-RS (PS3.18 10.5): POST /dicomweb/studies (and /dicomweb/studies/{study}, which refuses
// parts of another study) with multipart/related; type="application/dicom".
// The body is streamed part by part (never the whole request in memory); each part is validated
// and accepted on its own, so one bad part fails only itself. A size-limit or truncation error
// mid-body ends the request with its 4xx, and the parts accepted before it stay accepted.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppError } from '@medgrade/contracts';
import {
  BadRequestError, DicomJsonDatasetSchema, ErrorResponseSchema, jsonResponse, PayloadTooLargeError, StowBody, UnsupportedMediaTypeError, UploadTargetQuerySchema,
  WadoStudyParamsSchema,
} from '@medgrade/contracts';
import { parseDicomAsync, tagOf } from '@medgrade/dicom';
import { isAcceptableBoundary, MAX_BOUNDARY_LENGTH, MultipartError, parseMultipartType, readMultipart } from '../dicomweb/multipart.ts';
import { stowResponse } from '../dicomweb/stow.response.ts';
import { uploadProject, wadoUrl } from '../ingest/ingest.context.ts';
import type { IntakeResult } from '../ingest/instance.intake.ts';
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
  if (!isAcceptableBoundary(type.boundary)) throw new BadRequestError(`The multipart boundary must be 1-${MAX_BOUNDARY_LENGTH} printable ASCII characters`);
  return type.boundary;
}

function mapMultipartError(error: MultipartError, session: UploadSession): AppError {
  const details = { uploadId: session.uploadId, acceptedBeforeError: session.results.filter((r) => r.ok).length };
  if (error.code === 'PART_TOO_LARGE' || error.code === 'REQUEST_TOO_LARGE') return new PayloadTooLargeError(error.message, details);
  return new BadRequestError(error.message, details);
}

const STUDY_INSTANCE_UID = tagOf('StudyInstanceUID')!;

/** A part whose Study Instance UID is not the one the path names (POST /dicomweb/studies/{study}). */
async function studyMismatch(bytes: Buffer, study: string, maxInflatedBytes: number): Promise<IntakeResult | undefined> {
  let actual: string | undefined;
  try {
    actual = (await parseDicomAsync(bytes, { maxInflatedBytes })).dataset.getString(STUDY_INSTANCE_UID);
  } catch {
    return undefined; // intake refuses it with the precise reason
  }
  if (actual === undefined || actual === study) return undefined;
  return { ok: false, code: 'STUDY_UID_MISMATCH', message: 'the instance belongs to another study than the one in the request path' };
}

interface StowTarget {
  projectId?: string;
  /** POST /dicomweb/studies/{study}: parts of another study fail. */
  study?: string;
}

async function store(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, target: StowTarget) {
  const { study } = target;
  const { ingest } = app.deps.config;
  const boundary = contentTypeOf(request.headers['content-type']);
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > ingest.maxRequestBytes) throw new PayloadTooLargeError(`Request body exceeds ${ingest.maxRequestBytes} bytes: split it into smaller requests`);
  const projectId = await uploadProject(app, request, target.projectId);
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
      const bytes = await collect(part.body);
      const mismatch = study === undefined ? undefined : await studyMismatch(bytes, study, ingest.maxInflatedBytes);
      if (mismatch) session.results.push(mismatch);
      else await session.submit(bytes);
    }
  } catch (error) {
    streamError = error;
  }
  // Parts already submitted finish (and stay accepted) whatever happened to the rest of the body.
  await session.finish();
  if (streamError instanceof MultipartError) throw mapMultipartError(streamError, session);
  if (streamError) throw streamError;
  if (session.results.length === 0) throw new BadRequestError('The request contained no parts: send one Part 10 file per part');
  const { status, body } = stowResponse(session.results, (uids) => wadoUrl(app, uids.study, uids.series, uids.sop), (uid) => wadoUrl(app, uid));
  return reply.code(status).type('application/dicom+json').send(body);
}

export const stowRoutes: FastifyPluginAsyncZod = async (app) => {
  // Leave the body unread: the handler streams it from request.raw.
  app.addContentTypeParser('multipart/related', (_request, _payload, done) => done(null));
  const { ingest } = app.deps.config;
  const schema = (operationId: string, summary: string, extra: string) => ({
    tags: ['dicomweb'],
    operationId,
    summary,
    description: `Body: ${STOW_TYPE}, one Part 10 file per part. Limits: ${ingest.maxInstanceBytes} bytes per instance, ${ingest.maxRequestBytes} per request; multipart boundaries up to ${MAX_BOUNDARY_LENGTH} characters. 200 all stored, 202 some failed (FailedSOPSequence with reasons) or were already stored with other bytes (same SOP Instance UID: referenced as the stored instance with WarningReason 0xB00E), 409 none stored. Admission, before the body is read: 429 with Retry-After when the organization has ${ingest.maxOrgBacklog} instances waiting for de-identification (INGEST_MAX_ORG_BACKLOG) or its API key too many upload bytes in flight, 503 with Retry-After when the platform has ${ingest.maxBacklog} waiting (INGEST_MAX_BACKLOG).${extra}`,
    requestBody: StowBody,
    querystring: UploadTargetQuerySchema,
    response: {
      200: jsonResponse('Every instance stored (or already stored with the same bytes)', DicomJsonDatasetSchema, DICOM_JSON),
      202: jsonResponse('Some instances failed (FailedSOPSequence with reasons) or were already stored with other bytes (WarningReason 0xB00E)', DicomJsonDatasetSchema, DICOM_JSON),
      // The project named by ?projectId is not visible to the key; the store is not configured, or
      // the platform's de-identification backlog is full (Retry-After).
      404: ErrorResponseSchema, 503: ErrorResponseSchema,
      409: jsonResponse('No instance stored: FailedSOPSequence says why for each', DicomJsonDatasetSchema, DICOM_JSON),
    },
  });
  const config = { scopes: ['studies:write' as const], uploadBytes: true };

  app.post('/dicomweb/studies', {
    config,
    schema: schema('dicomweb.storeInstances', 'STOW-RS: store DICOM instances (multipart/related; type="application/dicom")', ''),
  }, async (request, reply) => store(app, request, reply, { projectId: request.query.projectId }));

  app.post('/dicomweb/studies/:study', {
    config,
    schema: {
      ...schema('dicomweb.storeStudyInstances', 'STOW-RS: store DICOM instances of one study', ' Study Instance UID of each part (as sent) must be the path\'s: a part of another study fails with FailureReason 0xA901 (STUDY_UID_MISMATCH).'),
      params: WadoStudyParamsSchema,
    },
  }, async (request, reply) => store(app, request, reply, { projectId: request.query.projectId, study: request.params.study }));
};
