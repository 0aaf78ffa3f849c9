// Turns an upload request into bundle files: multipart/form-data (one part per file, the part's
// filename is the bundle path) or one .tar.gz body.
import { BadRequestError, UnsupportedMediaTypeError } from '@medgrade/contracts';
import type { FastifyRequest } from 'fastify';
import { readTarGz } from './tar.reader.ts';

export const MAX_BUNDLE_BYTES = 2 * 1024 * 1024 * 1024;
export const GZIP_TYPES = ['application/gzip', 'application/x-gzip', 'application/x-tar+gzip'];

async function fromMultipart(request: FastifyRequest): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  for await (const part of request.parts()) {
    if (part.type !== 'file') continue;
    const path = (part.filename || part.fieldname).replace(/^\.\//, '');
    if (files.has(path)) throw new BadRequestError(`file ${path} was sent twice`);
    files.set(path, await part.toBuffer());
  }
  return files;
}

/** Bundle files of the request, keyed by path inside the bundle. */
export async function readBundleUpload(request: FastifyRequest): Promise<Map<string, Uint8Array>> {
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  let files: Map<string, Uint8Array>;
  if (type === 'multipart/form-data') files = await fromMultipart(request);
  else if (GZIP_TYPES.includes(type)) files = readTarGz(request.body as Buffer, MAX_BUNDLE_BYTES);
  else throw new UnsupportedMediaTypeError('Upload the bundle as multipart/form-data (one part per file) or as one application/gzip .tar.gz');
  if (files.size === 0) throw new BadRequestError('the upload contains no files');
  return files;
}
