// POST /v1/uploads (multipart/form-data: .dcm files and/or .zip archives of folders) and
// GET /v1/uploads/{id} (per-instance status). Files stream in one at a time: a .dcm part is held
// only up to the per-instance limit, a .zip is spooled to disk and read entry by entry.
import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Readable } from 'node:stream';
import type { Config } from '@medgrade/config';
import {
  BadRequestError, ErrorResponseSchema, IdParamsSchema, InputLimitError, limitMessage, NotFoundError, PayloadTooLargeError, UnsupportedMediaTypeError,
  UploadAcceptedSchema, UploadFormBody, UploadStatusSchema, UploadTargetQuerySchema,
} from '@medgrade/contracts';
import { uploadProject, wadoUrl } from '../ingest/ingest.context.ts';
import { openUploadSession, type UploadSession } from '../ingest/upload.session.ts';
import { sweepSpool, ZipFormatError, zipFiles, type ZipLimits } from '../ingest/zip.entries.ts';
import { isMultipartFault, malformedMultipart } from '../ingest/multipart.fault.ts';

async function readBounded(stream: Readable, max: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    // Keep draining so the next part can be read, but stop holding bytes.
    if (size <= max) chunks.push(chunk as Buffer);
  }
  return size > max ? null : Buffer.concat(chunks);
}

function isZip(fileName: string, mimetype: string): boolean {
  return /\.zip$/i.test(fileName) || mimetype === 'application/zip' || mimetype === 'application/x-zip-compressed';
}

/** A file refused for its size alone: listed with the limit it passed, never read further. */
function tooLarge(session: UploadSession, fileName: string, maxInstanceBytes: number): void {
  session.results.push({ ok: false, code: 'INSTANCE_TOO_LARGE', message: limitMessage('INSTANCE_TOO_LARGE', maxInstanceBytes), fileName });
}

function zipLimits(ingest: Config['ingest']): ZipLimits {
  return { maxEntryBytes: ingest.maxInstanceBytes, maxEntries: ingest.maxArchiveEntries, maxTotalBytes: ingest.maxArchiveBytes, spoolDir: ingest.spoolDir };
}

async function acceptZip(session: UploadSession, file: Readable, ingest: Config['ingest']): Promise<void> {
  try {
    for await (const entry of zipFiles(file, zipLimits(ingest))) {
      if ('tooLarge' in entry) tooLarge(session, entry.name, ingest.maxInstanceBytes);
      else await session.submit(entry.bytes, entry.name);
    }
  } catch (error) {
    // Files of the archive read before the limit stay accepted; the answer says which upload holds them.
    if (error instanceof InputLimitError) {
      const { limit, max, ...rest } = error.details as { limit: 'ARCHIVE_TOO_LARGE'; max: number };
      throw new InputLimitError(limit, max, 'the .zip archive', { ...rest, uploadId: session.uploadId });
    }
    if (error instanceof ZipFormatError) {
      throw new BadRequestError('A .zip part is not a valid zip archive: re-create it with a standard zip tool', { uploadId: session.uploadId });
    }
    throw error;
  }
}

export const uploadRoutes: FastifyPluginAsyncZod = async (app) => {
  const { ingest } = app.deps.config;
  await app.register(multipart, { limits: { fileSize: ingest.maxRequestBytes, files: 100_000, fields: 10, parts: 100_010 }, throwFileSizeLimit: false });
  const tags = ['uploads'];
  // Spooled archives a killed process left behind (raw PHI): swept at start and then periodically.
  const sweep = () => void sweepSpool(ingest.spoolDir, ingest.spoolMaxAgeMs).catch((error: unknown) => app.log.warn({ err: error }, 'spool sweep failed'));
  let sweeper: NodeJS.Timeout | undefined;
  app.addHook('onReady', async () => {
    sweep();
    sweeper = setInterval(sweep, Math.min(ingest.spoolMaxAgeMs, 15 * 60_000)).unref();
  });
  app.addHook('onClose', async () => clearInterval(sweeper));

  app.post('/v1/uploads', {
    config: { scopes: ['studies:write'], uploadBytes: true },
    schema: {
      tags,
      operationId: 'uploads.create',
      summary: 'Upload DICOM files (.dcm) or .zip archives of folders (multipart/form-data)',
      description: `Each form file is one Part 10 instance or a .zip of them. Limits: ${ingest.maxInstanceBytes} bytes per instance, ${ingest.maxRequestBytes} per request. De-identification runs asynchronously: poll GET /v1/uploads/{id}. Admission, before the body is read: 429 with Retry-After when the organization has ${ingest.maxOrgBacklog} instances waiting for de-identification (INGEST_MAX_ORG_BACKLOG) or its API key too many upload bytes in flight, 503 with Retry-After when the platform has ${ingest.maxBacklog} waiting (INGEST_MAX_BACKLOG).`,
      requestBody: UploadFormBody,
      querystring: UploadTargetQuerySchema,
      // 404: ?projectId not visible to the key; 422: an input over a configured limit (zip
      // entries, expansion); 503: the object store or queue is not configured, or the platform's
      // de-identification backlog is full (Retry-After).
      response: { 202: UploadAcceptedSchema, 404: ErrorResponseSchema, 422: ErrorResponseSchema, 503: ErrorResponseSchema },
    },
  }, async (request, reply) => {
    if (!request.isMultipart()) throw new UnsupportedMediaTypeError('Send multipart/form-data with one or more files (.dcm or .zip)');
    if (Number(request.headers['content-length'] ?? 0) > ingest.maxRequestBytes) throw new PayloadTooLargeError(`Request body exceeds ${ingest.maxRequestBytes} bytes: split it into smaller uploads`);
    const projectId = await uploadProject(app, request, request.query.projectId);
    const session = await openUploadSession(app, request, projectId);
    let streamError: unknown;
    try {
      for await (const part of request.parts()) {
        if (part.type !== 'file') continue;
        if (isZip(part.filename, part.mimetype)) await acceptZip(session, part.file, ingest);
        else {
          const bytes = await readBounded(part.file, ingest.maxInstanceBytes);
          if (bytes) await session.submit(bytes, part.filename);
          else tooLarge(session, part.filename, ingest.maxInstanceBytes);
        }
      }
    } catch (error) {
      // A form that breaks off or is malformed is the client's fault; files before it stay accepted.
      streamError = isMultipartFault(error) ? malformedMultipart({ uploadId: session.uploadId }) : error;
    }
    // Files already submitted finish (and stay accepted) whatever happened to the rest of the form.
    await session.finish();
    if (streamError) throw streamError;
    if (session.results.length === 0) throw new BadRequestError('No files in the form: attach .dcm files or a .zip');
    const instances = session.results.map((r) => ({
      id: r.instanceId ?? null,
      status: r.ok ? (r.status as 'RECEIVED') : ('REJECTED' as const),
      errorCode: r.ok ? null : r.code,
      ...(r.ok ? {} : { message: r.message }),
      ...(r.fileName ? { fileName: r.fileName } : {}),
      ...(r.ok && r.duplicate ? { duplicate: r.duplicate } : {}),
    }));
    // finish() recorded the upload: the form held files.
    return reply.code(202).send({ uploadId: session.uploadId!, instances });
  });

  app.get('/v1/uploads/:id', {
    // The uploader (studies:write only) polls what it sent; readers see it too.
    config: { anyScopes: ['studies:read', 'studies:write'] },
    schema: { tags, operationId: 'uploads.get', summary: 'Status of an upload, per instance', params: IdParamsSchema, response: { 200: UploadStatusSchema } },
  }, async (request) => {
    const found = await app.repos.uploads.status(request.auth, request.params.id);
    if (!found) throw new NotFoundError('Upload');
    const { upload, entries } = found;
    const counts: Record<string, number> = {};
    for (const e of entries) counts[e.status] = (counts[e.status] ?? 0) + 1;
    await request.audit({ action: 'upload.read', projectId: upload.projectId, resourceType: 'upload', resourceId: upload.id, details: { instances: entries.length } });
    return {
      uploadId: upload.id,
      projectId: upload.projectId,
      createdAt: upload.createdAt.toISOString(),
      counts,
      instances: entries.map((e) => {
        const ready = e.status === 'READY' && e.studyInstanceUid && e.seriesInstanceUid && e.sopInstanceUid;
        return {
          id: e.id,
          status: e.status,
          errorCode: e.status === 'READY' ? null : e.errorCode,
          ...(e.message ? { message: e.message } : {}),
          ...(e.duplicate ? { duplicate: e.duplicate } : {}),
          studyInstanceUid: ready ? e.studyInstanceUid : null,
          seriesInstanceUid: ready ? e.seriesInstanceUid : null,
          sopInstanceUid: ready ? e.sopInstanceUid : null,
          retrieveUrl: ready ? wadoUrl(app, e.studyInstanceUid!, e.seriesInstanceUid!, e.sopInstanceUid!) : null,
        };
      }),
    };
  });
};
