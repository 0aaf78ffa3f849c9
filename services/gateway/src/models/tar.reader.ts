// Reads the regular files of a .tar.gz model bundle into memory (ustar/pax/GNU headers, no
// dependency: bundles are a handful of flat files). A single top-level folder — what
// `tar czf bundle.tar.gz medgrade-cxr-tiny/` produces — is stripped.
import { gunzipSync } from 'node:zlib';
import { BadRequestError } from '@medgrade/contracts';

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

/** Files of a gzip-compressed tar archive, keyed by relative path. */
export function readTarGz(gz: Uint8Array, maxBytes: number): Map<string, Uint8Array> {
  let tar: Buffer;
  try {
    tar = gunzipSync(gz, { maxOutputLength: maxBytes });
  } catch {
    throw new BadRequestError('the upload is not a valid .tar.gz (or unpacks beyond the size limit)');
  }
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
