import type { Readable } from 'node:stream';

/** Metadata of one stored object. */
export interface ObjectInfo {
  key: string;
  size: number;
  lastModified?: Date;
}

/** Options for a put; contentLength lets S3 skip multipart for streams of known small size. */
export interface PutOptions {
  contentType?: string;
  contentLength?: number;
  /** Hex SHA-256 of a Buffer body when the caller has it: S3 signs it instead of hashing the body again. */
  sha256?: string;
}

/**
 * The one storage interface every service uses. Keys are `/`-separated, relative and
 * restricted to a safe alphabet (see `assertSafeKey`) so that they map 1:1 to files and S3 keys.
 */
export interface ObjectStore {
  /** Stores the whole body under key, replacing any previous object atomically. */
  put(key: string, body: Buffer | Readable, options?: PutOptions): Promise<ObjectInfo>;
  /** Streams the object; rejects with ObjectNotFoundError when it does not exist. */
  get(key: string): Promise<Readable>;
  /** Size and date of the object; rejects with ObjectNotFoundError when it does not exist. */
  head(key: string): Promise<ObjectInfo>;
  /** Removes the object; deleting a missing object is not an error (retries must be safe). */
  delete(key: string): Promise<void>;
  /** Removes several objects (S3: one DeleteObjects request per 1,000 keys); missing ones are not an error. */
  deleteMany(keys: readonly string[]): Promise<void>;
  /** Every object whose key starts with prefix (order unspecified: S3-compatible servers differ). */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /** Throws with a how-to-fix message when the store cannot be used (readiness check). */
  check(): Promise<void>;
}

/** Thrown by get/head for a key that holds no object. */
export class ObjectNotFoundError extends Error {
  readonly code = 'OBJECT_NOT_FOUND';
  readonly key: string;
  constructor(key: string) {
    super(`object not found: ${key}`);
    this.name = 'ObjectNotFoundError';
    this.key = key;
  }
}

/** Thrown for a key outside the safe alphabet; a programming error, never user input. */
export class UnsafeKeyError extends Error {
  readonly code = 'UNSAFE_OBJECT_KEY';
  constructor(key: string) {
    super(`unsafe object key ${JSON.stringify(key.slice(0, 200))}: use segments of [A-Za-z0-9_.=-] not starting with "."`);
    this.name = 'UnsafeKeyError';
  }
}

// No segment may start with "." so neither "..", "." nor the FS store's ".tmp" dir are reachable.
const SEGMENT = /^[A-Za-z0-9_=-][A-Za-z0-9_.=-]*$/;
const MAX_KEY_LENGTH = 1024;

/** Rejects keys that could escape the store root or differ between backends. */
export function assertSafeKey(key: string): void {
  if (key.length === 0 || key.length > MAX_KEY_LENGTH) throw new UnsafeKeyError(key);
  if (!key.split('/').every((segment) => SEGMENT.test(segment))) throw new UnsafeKeyError(key);
}

/** A list prefix: empty, a safe key, or a safe key followed by "/". */
export function assertSafePrefix(prefix: string): void {
  if (prefix === '') return;
  assertSafeKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
}

/** Reads a whole object into memory; for objects known to be instance-sized. */
export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

/** Convenience: get + readAll. */
export async function getBuffer(store: ObjectStore, key: string): Promise<Buffer> {
  return readAll(await store.get(key));
}
