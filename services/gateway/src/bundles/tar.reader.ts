// Reads the regular files of a .tar.gz model bundle into memory (ustar/pax/GNU headers, no
// dependency: bundles are a handful of flat files). A single top-level folder — what
// `tar czf bundle.tar.gz medgrade-cxr-tiny/` produces — is stripped. The body is inflated as it
// arrives, in zlib's thread pool, and refused as soon as the compressed or the inflated bytes
// pass the bundle limit: a gzip bomb costs at most the limit, never the event loop.
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { BadRequestError, InputLimitError } from '@medgrade/contracts';

const BLOCK = 512;

function field(block: Uint8Array, start: number, length: number): string {
  const raw = Buffer.from(block.subarray(start, start + length)).toString('utf8');
  const nul = raw.indexOf('\0');
  return nul >= 0 ? raw.slice(0, nul) : raw;
}

function stripCommonFolder(files: Map<string, Uint8Array>): Map<string, Uint8Array> {
  const tops = new Set([...files.keys()].map((p) => (p.includes('/') ? p.split('/')[0] : '')));
  if (tops.size !== 1 || tops.has('')) return files;
  const [top] = tops;
  return new Map([...files].map(([p, b]) => [p.slice(`${top}/`.length), b]));
}

/** Counts the bytes flowing through; throws BUNDLE_TOO_LARGE once they pass maxBytes. */
function bounded(maxBytes: number, which: string) {
  return async function* (source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    let total = 0;
    for await (const chunk of source) {
      total += chunk.length;
      if (total > maxBytes) throw new InputLimitError('BUNDLE_TOO_LARGE', maxBytes, `the ${which} bundle`);
      yield chunk;
    }
  };
}

/** The tar inside a gzip stream, inflated as it arrives; BUNDLE_TOO_LARGE past maxBytes either side. */
export async function gunzipBounded(body: Readable, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  try {
    await pipeline(body, bounded(maxBytes, 'compressed'), createGunzip(), bounded(maxBytes, 'inflated'), async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) chunks.push(chunk);
    });
  } catch (error) {
    if (error instanceof InputLimitError) throw error;
    throw new BadRequestError('the upload is not a valid .tar.gz: create it with tar czf');
  }
  return Buffer.concat(chunks);
}

/** Files of an (inflated) tar archive, keyed by relative path. */
export function readTar(tar: Buffer): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  let longName: string | undefined;
  for (let off = 0; off + BLOCK <= tar.length;) {
    const header = tar.subarray(off, off + BLOCK);
    if (header.every((b) => b === 0)) break;
    const size = parseInt(field(header, 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(header[156] ?? 0);
    const prefix = field(header, 345, 155);
    const name = longName ?? (prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100));
    const body = tar.subarray(off + BLOCK, off + BLOCK + size);
    if (!Number.isFinite(size) || body.length !== size) throw new BadRequestError('the .tar.gz is truncated');
    longName = type === 'L' ? field(body, 0, size) : undefined;
    if (type === '0' || type === '\0') {
      const path = name.replace(/^\.\//, '');
      if (!path.split('/').includes('..')) files.set(path, Uint8Array.from(body));
    }
    off += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  return stripCommonFolder(files);
}
