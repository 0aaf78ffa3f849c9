// Turns an upload request into bundle files: multipart/form-data (one part per file, the part's
// filename is the bundle path) or one .tar.gz body.
import { BadRequestError, InputLimitError, UnsupportedMediaTypeError } from '@medgrade/contracts';
import type { FastifyRequest } from 'fastify';
import { isMultipartFault, malformedMultipart } from '../ingest/multipart.fault.ts';
import { readTar } from './tar.reader.ts';

export const GZIP_TYPES = ['application/gzip', 'application/x-gzip', 'application/x-tar+gzip'];

/** The parts as files; the parts of one request together stay within maxBytes (each part is capped by multipart's fileSize too). */
async function fromMultipart(request: FastifyRequest, maxBytes: number): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  let total = 0;
  for await (const part of request.parts()) {
    if (part.type !== 'file') continue;
    const path = (part.filename || part.fieldname).replace(/^\.\//, '');
    if (files.has(path)) throw new BadRequestError(`file ${path} was sent twice`);
    const bytes = await part.toBuffer();
    total += bytes.length;
    if (total > maxBytes) throw new InputLimitError('BUNDLE_TOO_LARGE', maxBytes, 'the bundle');
    files.set(path, bytes);
  }
  return files;
}

/** Bundle files of the request, keyed by path inside the bundle (a .tar.gz body arrives inflated: see gunzipBounded). */
export async function readBundleUpload(request: FastifyRequest, maxBytes: number): Promise<Map<string, Uint8Array>> {
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  let files: Map<string, Uint8Array>;
  if (type === 'multipart/form-data') {
    files = await fromMultipart(request, maxBytes).catch((error: unknown) => {
      throw isMultipartFault(error) ? malformedMultipart() : error;
    });
  }
  else if (GZIP_TYPES.includes(type)) files = readTar(request.body as Buffer);
  else throw new UnsupportedMediaTypeError('Upload the bundle as multipart/form-data (one part per file) or as one application/gzip .tar.gz');
  if (files.size === 0) throw new BadRequestError('the upload contains no files');
  return files;
}
