// The only module that imports the AWS SDK (STYLE.md 17): everything else sees ObjectStore.
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type ServerSideEncryption,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable } from 'node:stream';
import { DirectS3, type DirectBucket } from './s3.direct.ts';
import {
  assertSafeKey,
  assertSafePrefix,
  ObjectNotFoundError,
  type ObjectInfo,
  type ObjectStore,
  type PutOptions,
} from './object-store.ts';

/** Connection and behaviour of an S3 (or MinIO / S3-compatible) bucket. */
export interface S3StoreOptions {
  bucket: string;
  region: string;
  /** Custom endpoint for MinIO or a local S3-protocol server; omit for AWS. */
  endpoint?: string;
  /** Bucket in the path instead of the host name (MinIO, local servers). */
  forcePathStyle?: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Server-side encryption requested on every write: 'AES256' or 'aws:kms'. */
  serverSideEncryption?: 'AES256' | 'aws:kms';
  kmsKeyId?: string;
  /** Bodies from this size up are uploaded in parts of this size (min 5 MiB, S3's rule). */
  partSizeBytes?: number;
  /** Parallel part uploads per object. */
  queueSize?: number;
}

const MIN_PART = 5 * 1024 * 1024;
/** Most keys one DeleteObjects request may name (S3 API limit). */
const DELETE_BATCH = 1000;

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}

/** ObjectStore on S3: single PUT for small buffers, lib-storage multipart for streams and large bodies. */
export class S3ObjectStore implements ObjectStore {
  private readonly client: S3Client;
  private readonly options: S3StoreOptions;
  private readonly partSize: number;
  /** PUTs of in-memory bodies, GETs and DeleteObjects without the SDK's per-request work (s3.direct.ts). */
  private readonly direct: DirectS3;
  private directTarget?: Promise<DirectBucket | undefined>;

  constructor(options: S3StoreOptions) {
    this.options = options;
    this.partSize = Math.max(MIN_PART, options.partSizeBytes ?? 8 * 1024 * 1024);
    this.client = new S3Client({
      region: options.region,
      endpoint: options.endpoint,
      forcePathStyle: options.forcePathStyle ?? false,
      credentials: options.credentials,
      // Checksums only when an operation requires them: S3-compatible servers (MinIO releases,
      // s3rver) reject or mangle the flexible-checksum trailers newer SDKs send by default.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    this.direct = new DirectS3(() => this.client.config.credentials());
  }

  /**
   * The bucket's URL by the SDK's own endpoint rules, resolved once; undefined (every request then
   * goes through the SDK) when they ask for more than plain SigV4 (S3 Express, multi-region access
   * points) or the resolution fails.
   */
  private directBucket(): Promise<DirectBucket | undefined> {
    this.directTarget ??= (async () => {
      const { config } = this.client;
      const region = await config.region();
      const endpoint = config.endpointProvider({
        Bucket: this.options.bucket, Region: region, Endpoint: this.options.endpoint, ForcePathStyle: this.options.forcePathStyle ?? false,
        UseFIPS: false, UseDualStack: false, Accelerate: false, UseGlobalEndpoint: false, UseArnRegion: false, DisableMultiRegionAccessPoints: false,
      });
      const scheme = endpoint.properties?.authSchemes?.[0];
      if (scheme?.name !== 'sigv4' || scheme.signingName !== 's3' || Object.keys(endpoint.headers ?? {}).length > 0) return undefined;
      return { url: new URL(endpoint.url.href), region: typeof scheme.signingRegion === 'string' ? scheme.signingRegion : region };
    })().catch(() => undefined);
    return this.directTarget;
  }

  private encryption(): { ServerSideEncryption?: ServerSideEncryption; SSEKMSKeyId?: string } {
    const { serverSideEncryption, kmsKeyId } = this.options;
    if (!serverSideEncryption) return {};
    return { ServerSideEncryption: serverSideEncryption, ...(kmsKeyId ? { SSEKMSKeyId: kmsKeyId } : {}) };
  }

  async put(key: string, body: Buffer | Readable, options: PutOptions = {}): Promise<ObjectInfo> {
    assertSafeKey(key);
    const params = { Bucket: this.options.bucket, Key: key, ContentType: options.contentType, ...this.encryption() };
    if (Buffer.isBuffer(body) && body.length < this.partSize) {
      if (await this.putDirect(key, body, options)) return { key, size: body.length };
      await this.client.send(new PutObjectCommand({ ...params, Body: body, ContentLength: body.length }));
      return { key, size: body.length };
    }
    const upload = new Upload({
      client: this.client,
      params: { ...params, Body: body },
      partSize: this.partSize,
      queueSize: this.options.queueSize ?? 4,
      leavePartsOnError: false,
    });
    await upload.done();
    return this.head(key);
  }

  /** The direct PUT; false when it did not plainly succeed (the SDK then sends it, with its retries and errors). */
  private async putDirect(key: string, body: Buffer, options: PutOptions): Promise<boolean> {
    const bucket = await this.directBucket();
    if (!bucket) return false;
    const { serverSideEncryption, kmsKeyId } = this.options;
    const headers: Record<string, string> = {
      ...(options.contentType ? { 'content-type': options.contentType } : {}),
      ...(serverSideEncryption ? { 'x-amz-server-side-encryption': serverSideEncryption } : {}),
      ...(serverSideEncryption && kmsKeyId ? { 'x-amz-server-side-encryption-aws-kms-key-id': kmsKeyId } : {}),
    };
    return this.direct.put(bucket, key, body, headers, options.sha256);
  }

  async get(key: string): Promise<Readable> {
    assertSafeKey(key);
    const bucket = await this.directBucket();
    const direct = bucket && (await this.direct.get(bucket, key));
    if (direct === 'missing') throw new ObjectNotFoundError(key);
    if (direct) return direct;
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: key }));
      if (!(out.Body instanceof Readable)) throw new Error('S3 returned a non-stream body');
      return out.Body;
    } catch (error) {
      if (isNotFound(error)) throw new ObjectNotFoundError(key);
      throw error;
    }
  }

  async head(key: string): Promise<ObjectInfo> {
    assertSafeKey(key);
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.options.bucket, Key: key }));
      return { key, size: out.ContentLength ?? 0, lastModified: out.LastModified };
    } catch (error) {
      if (isNotFound(error)) throw new ObjectNotFoundError(key);
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    assertSafeKey(key);
    await this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: key }));
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    for (const key of keys) assertSafeKey(key);
    const bucket = keys.length > 0 ? await this.directBucket() : undefined;
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const chunk = keys.slice(i, i + DELETE_BATCH);
      if (bucket && (await this.direct.deleteMany(bucket, chunk))) continue;
      const result = await this.client.send(new DeleteObjectsCommand({ Bucket: this.options.bucket, Delete: { Objects: chunk.map((Key) => ({ Key })), Quiet: true } }));
      // Quiet mode lists only failures; a missing key is a success in S3's delete semantics.
      const failed = result.Errors ?? [];
      if (failed.length > 0) throw new Error(`object store refused to delete ${failed.length} of ${chunk.length} objects (${failed[0]?.Code ?? 'unknown error'})`);
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    assertSafePrefix(prefix);
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.options.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const item of page.Contents ?? []) {
        if (item.Key) yield { key: item.Key, size: item.Size ?? 0, lastModified: item.LastModified };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async check(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.options.bucket }));
    } catch (error) {
      const where = this.options.endpoint ?? `region ${this.options.region}`;
      const reason = (error as Error).name;
      throw new Error(`S3 bucket "${this.options.bucket}" not reachable at ${where} (${reason}): create it or fix S3_* settings`, { cause: error });
    }
  }

  /** Releases the HTTP connection pool. */
  close(): void {
    this.client.destroy();
    this.direct.close();
  }
}
