// Reads the files of an uploaded .zip. The archive is first spooled to a file under the configured
// spool folder (zip's directory is at the end, so a stream cannot be read safely in order); yauzl
// then reads the central directory and each entry on demand. Bombs are refused before anything is
// inflated where the directory shows them (too many entries, declared sizes summing past the
// archive limit, entries whose data overlap: the "overlapping files" bomb reuses one compressed
// kernel for every entry) and while inflating otherwise (yauzl checks each entry's actual size
// against its declared one; the running total is checked per chunk). The spooled file is removed
// when the iteration ends, however it ends; sweepSpool() removes what a killed process left.
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InputLimitError } from '@medgrade/contracts';
import yauzl from 'yauzl';

/** One file of the archive: its bytes, or why it was skipped. */
export type ZipFile = { name: string; bytes: Buffer } | { name: string; tooLarge: true };

/** Bounds on one archive (config ingest.*). */
export interface ZipLimits {
  /** Largest inflated entry; larger ones are reported tooLarge and not inflated. */
  maxEntryBytes: number;
  maxEntries: number;
  /** Most bytes all entries may inflate to together. */
  maxTotalBytes: number;
  spoolDir: string;
}

const SPOOL_PREFIX = 'zip-';
/** Local file header size before the name (PKWARE APPNOTE 4.3.7). */
const LOCAL_HEADER_BYTES = 30;

function openZip(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => yauzl.open(path, { lazyEntries: true, autoClose: false }, (err, zip) => (err ? reject(err) : resolve(zip))));
}

function nextEntry(zip: yauzl.ZipFile): Promise<yauzl.Entry | null> {
  return new Promise((resolve, reject) => {
    const onEntry = (entry: yauzl.Entry) => done(() => resolve(entry));
    const onEnd = () => done(() => resolve(null));
    const onError = (error: Error) => done(() => reject(error));
    const done = (fn: () => void) => {
      zip.off('entry', onEntry).off('end', onEnd).off('error', onError);
      fn();
    };
    zip.on('entry', onEntry).on('end', onEnd).on('error', onError);
    zip.readEntry();
  });
}

/** The central directory, refused once it lists more than maxEntries (read no further). */
async function directory(zip: yauzl.ZipFile, limits: ZipLimits): Promise<yauzl.Entry[]> {
  if (zip.entryCount > limits.maxEntries) throw new InputLimitError('ARCHIVE_TOO_MANY_ENTRIES', limits.maxEntries, 'the .zip archive', { entries: zip.entryCount });
  const entries: yauzl.Entry[] = [];
  for (let entry = await nextEntry(zip); entry; entry = await nextEntry(zip)) {
    entries.push(entry);
    if (entries.length > limits.maxEntries) throw new InputLimitError('ARCHIVE_TOO_MANY_ENTRIES', limits.maxEntries, 'the .zip archive');
  }
  return entries;
}

/**
 * Refuses entries whose stored data overlap (or share a local header): each entry's span starts at
 * its local header and is at least header + name + compressed data long.
 */
export function checkNoOverlap(entries: readonly Pick<yauzl.Entry, 'relativeOffsetOfLocalHeader' | 'compressedSize' | 'fileNameLength'>[]): void {
  const spans = entries
    .map((e) => ({ start: e.relativeOffsetOfLocalHeader, end: e.relativeOffsetOfLocalHeader + LOCAL_HEADER_BYTES + e.fileNameLength + e.compressedSize }))
    .sort((a, b) => a.start - b.start);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i]!.start < spans[i - 1]!.end) throw new InputLimitError('ARCHIVE_OVERLAPPING_ENTRIES', 0, 'the .zip archive');
  }
}

async function readEntry(zip: yauzl.ZipFile, entry: yauzl.Entry, budget: { left: number; max: number }): Promise<Buffer> {
  const stream = await new Promise<Readable>((resolve, reject) => zip.openReadStream(entry, (err, s) => (err ? reject(err) : resolve(s))));
  const chunks: Buffer[] = [];
  for await (const chunk of stream) {
    budget.left -= (chunk as Buffer).length;
    if (budget.left < 0) {
      stream.destroy();
      throw new InputLimitError('ARCHIVE_TOO_LARGE', budget.max, 'the .zip archive');
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

// Folders, macOS resource forks and DICOMDIR indexes are not instances.
function isInstanceCandidate(name: string): boolean {
  if (name.endsWith('/') || name.startsWith('__MACOSX/') || name.split('/').some((s) => s.startsWith('._'))) return false;
  return name.split('/').at(-1)!.toUpperCase() !== 'DICOMDIR';
}

async function* entryFiles(zip: yauzl.ZipFile, limits: ZipLimits): AsyncGenerator<ZipFile> {
  const entries = (await directory(zip, limits)).filter((e) => isInstanceCandidate(e.fileName));
  checkNoOverlap(entries);
  const readable = entries.filter((e) => e.uncompressedSize <= limits.maxEntryBytes);
  const declared = readable.reduce((sum, e) => sum + e.uncompressedSize, 0);
  if (declared > limits.maxTotalBytes) throw new InputLimitError('ARCHIVE_TOO_LARGE', limits.maxTotalBytes, 'the .zip archive', { declaredBytes: declared });
  const budget = { left: limits.maxTotalBytes, max: limits.maxTotalBytes };
  for (const entry of entries) {
    if (entry.uncompressedSize > limits.maxEntryBytes) yield { name: entry.fileName, tooLarge: true };
    else yield { name: entry.fileName, bytes: await readEntry(zip, entry, budget) };
  }
}

/** The archive itself could not be read (truncated, not a zip, a corrupt entry): the uploader's to fix. */
export class ZipFormatError extends Error {
  constructor(cause: unknown) {
    super('the .zip archive could not be read', { cause });
    this.name = 'ZipFormatError';
  }
}

/** Spools `source` under limits.spoolDir and yields its files, within `limits`; a malformed archive throws ZipFormatError. */
export async function* zipFiles(source: Readable, limits: ZipLimits): AsyncGenerator<ZipFile> {
  await mkdir(limits.spoolDir, { recursive: true, mode: 0o700 });
  const dir = await mkdtemp(join(limits.spoolDir, SPOOL_PREFIX));
  try {
    const path = join(dir, 'upload.zip');
    await pipeline(source, createWriteStream(path, { mode: 0o600 }));
    const zip = await openZip(path).catch((error: unknown) => {
      throw new ZipFormatError(error);
    });
    try {
      yield* entryFiles(zip, limits);
    } catch (error) {
      throw error instanceof InputLimitError ? error : new ZipFormatError(error);
    } finally {
      zip.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Removes spooled archives older than maxAgeMs (left by a process killed mid-upload: its finally
 * never ran). Spooled data is raw PHI, so nothing may outlive the request for long. Returns the count.
 */
export async function sweepSpool(spoolDir: string, maxAgeMs: number, now = Date.now()): Promise<number> {
  let names: string[];
  try {
    names = await readdir(spoolDir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names.filter((n) => n.startsWith(SPOOL_PREFIX))) {
    const path = join(spoolDir, name);
    const info = await stat(path).catch(() => null);
    if (!info || now - info.mtimeMs < maxAgeMs) continue;
    await rm(path, { recursive: true, force: true });
    removed++;
  }
  return removed;
}
