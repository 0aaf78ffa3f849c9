// Reads the files of an uploaded .zip. The archive is first spooled to a temp file (zip's
// directory is at the end, so a stream cannot be read safely in order); yauzl then reads the
// central directory and each entry on demand, refusing entries larger than the instance limit
// before inflating them. The temp file is removed when the iteration ends, however it ends.
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';

/** One file of the archive: its bytes, or why it was skipped. */
export type ZipFile = { name: string; bytes: Buffer } | { name: string; tooLarge: true };

function openZip(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => yauzl.open(path, { lazyEntries: true, autoClose: true }, (err, zip) => (err ? reject(err) : resolve(zip))));
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

async function readEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Buffer> {
  const stream = await new Promise<Readable>((resolve, reject) => zip.openReadStream(entry, (err, s) => (err ? reject(err) : resolve(s))));
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

// Folders, macOS resource forks and DICOMDIR indexes are not instances.
function isInstanceCandidate(name: string): boolean {
  if (name.endsWith('/') || name.startsWith('__MACOSX/') || name.split('/').some((s) => s.startsWith('._'))) return false;
  return name.split('/').at(-1)!.toUpperCase() !== 'DICOMDIR';
}

/** Spools `source` to disk and yields its files; maxEntryBytes bounds each inflated entry. */
export async function* zipFiles(source: Readable, maxEntryBytes: number): AsyncGenerator<ZipFile> {
  const dir = await mkdtemp(join(tmpdir(), 'medgrade-zip-'));
  try {
    const path = join(dir, 'upload.zip');
    await pipeline(source, createWriteStream(path));
    const zip = await openZip(path);
    try {
      for (let entry = await nextEntry(zip); entry; entry = await nextEntry(zip)) {
        if (!isInstanceCandidate(entry.fileName)) continue;
        if (entry.uncompressedSize > maxEntryBytes) yield { name: entry.fileName, tooLarge: true };
        else yield { name: entry.fileName, bytes: await readEntry(zip, entry) };
      }
    } finally {
      zip.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
