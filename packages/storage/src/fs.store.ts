import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  assertSafeKey,
  assertSafePrefix,
  ObjectNotFoundError,
  type ObjectInfo,
  type ObjectStore,
  type PutOptions,
} from './object-store.ts';

const TMP_DIR = '.tmp';

function isNotFound(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * Filesystem store, the embedded default. Writes go to `<root>/.tmp` and are renamed into place,
 * so a reader never sees a partial object and a crash leaves at most an orphan temp file.
 */
export class FsObjectStore implements ObjectStore {
  readonly root: string;

  constructor(root: string) {
    this.root = root;
  }

  private path(key: string): string {
    assertSafeKey(key);
    return join(this.root, ...key.split('/'));
  }

  async put(key: string, body: Buffer | Readable, _options?: PutOptions): Promise<ObjectInfo> {
    const target = this.path(key);
    const tmpDir = join(this.root, TMP_DIR);
    const tmp = join(tmpDir, `${randomBytes(12).toString('hex')}`);
    // Directories are created when a write or rename finds them missing, not before every put:
    // most puts land in a directory that exists (two mkdir calls fewer per object).
    const write = (): Promise<void> => (Buffer.isBuffer(body) ? writeFile(tmp, body, { flag: 'wx' }) : pipeline(body, createWriteStream(tmp, { flags: 'wx' })));
    // A stream can be written only once: make sure of its temp directory first.
    if (!Buffer.isBuffer(body)) await mkdir(tmpDir, { recursive: true });
    try {
      await write().catch(async (error: unknown) => {
        if (!isNotFound(error) || !Buffer.isBuffer(body)) throw error;
        await mkdir(tmpDir, { recursive: true });
        await write();
      });
      await rename(tmp, target).catch(async (error: unknown) => {
        if (!isNotFound(error)) throw error;
        await mkdir(dirname(target), { recursive: true });
        await rename(tmp, target);
      });
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
    // A buffer's size is known (as the S3 store reports it): no stat per put.
    return Buffer.isBuffer(body) ? { key, size: body.length } : this.head(key);
  }

  async get(key: string): Promise<Readable> {
    try {
      // Opening first turns a missing file into a typed error before any stream exists.
      const handle = await open(this.path(key), 'r');
      return handle.createReadStream();
    } catch (error) {
      if (isNotFound(error)) throw new ObjectNotFoundError(key);
      throw error;
    }
  }

  async head(key: string): Promise<ObjectInfo> {
    try {
      const info = await stat(this.path(key));
      if (!info.isFile()) throw new ObjectNotFoundError(key);
      return { key, size: info.size, lastModified: info.mtime };
    } catch (error) {
      if (isNotFound(error)) throw new ObjectNotFoundError(key);
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    const paths = keys.map((k) => this.path(k));
    await Promise.all(paths.map((p) => rm(p, { force: true })));
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    assertSafePrefix(prefix);
    // Walk only the deepest directory the prefix names completely.
    const slash = prefix.lastIndexOf('/');
    const base = slash < 0 ? '' : prefix.slice(0, slash);
    const keys: string[] = [];
    for await (const key of this.walk(base)) if (key.startsWith(prefix)) keys.push(key);
    // Sorted flat list: stable output for callers that page through it.
    keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const key of keys) {
      // Deleted since the walk (a worker cleaning up meanwhile): gone, not an error, as on S3.
      const info = await this.head(key).catch((error: unknown) => {
        if (error instanceof ObjectNotFoundError) return undefined;
        throw error;
      });
      if (info) yield info;
    }
  }

  private async *walk(dirKey: string): AsyncIterable<string> {
    const dir = dirKey === '' ? this.root : join(this.root, ...dirKey.split('/'));
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const key = dirKey === '' ? entry.name : `${dirKey}/${entry.name}`;
      if (entry.isDirectory()) yield* this.walk(key);
      else if (entry.isFile()) yield key;
    }
  }

  async check(): Promise<void> {
    try {
      await mkdir(join(this.root, TMP_DIR), { recursive: true });
    } catch (error) {
      const reason = (error as Error).message;
      throw new Error(`object store directory ${this.root.split(sep).join('/')} is not writable (${reason}): create it or set STORAGE_FS_ROOT`, { cause: error });
    }
  }
}
