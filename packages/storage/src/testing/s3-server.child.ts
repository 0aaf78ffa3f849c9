// The s3rver process startLocalS3 spawns: `node s3-server.child.ts <directory> <bucket>`. It prints
// one JSON line `{"port": N}` once listening. s3rver reads object files that a concurrent
// DeleteObject can remove under it, and under load that race surfaces as an uncaught ENOENT inside
// s3rver; in its own process the error is reported on stderr and the server keeps serving, instead
// of failing whichever test file happened to share the process with it.
//
// s3rver streams a PUT's body straight into the object's file, so until the last byte arrives a
// concurrent List or GET sees a half-written object (S3, MinIO and our fs driver never show an
// object before its PUT completes). The training orchestrator follows a trainer's numbered event
// chunks once each: it copied a chunk caught mid-PUT without its last lines and never read it
// again, so a checkpoint event went unrecorded until the next one (finetune-faults, 1 job in 20).
// Here a PUT writes a staging file that no listing matches and renames it into place once whole.
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import S3rver from 's3rver';
import FilesystemStore from 's3rver/lib/stores/filesystem.js';

FilesystemStore.prototype.putObject = async function putObjectWhole(object) {
  const objectPath = this.getResourcePath(object.bucket, object.key, 'object');
  const staging = `${objectPath}.${randomUUID()}.uploading`; // not `…._S3rver_object`: never listed
  await mkdir(dirname(objectPath), { recursive: true });
  const md5 = createHash('md5');
  let size = 0;
  try {
    if (Buffer.isBuffer(object.content)) {
      md5.update(object.content);
      size = object.content.length;
      await writeFile(staging, object.content);
    } else {
      const count = new Transform({ transform(chunk: Buffer, _encoding, done) { md5.update(chunk); size += chunk.length; done(null, chunk); } });
      await pipeline(object.content, count, createWriteStream(staging));
    }
    const digest = md5.digest('hex');
    // Metadata first: a listing skips metadata whose object file is absent, so a new key appears whole.
    await this.putMetadata(object.bucket, object.key, object.metadata, digest);
    await rename(staging, objectPath);
    return { size, md5: digest };
  } catch (error) {
    await rm(staging, { force: true });
    throw error;
  }
};

const [directory, bucket] = process.argv.slice(2);
if (!directory || !bucket) {
  process.stderr.write('usage: s3-server.child.ts <directory> <bucket>\n');
  process.exit(2);
}
process.on('uncaughtException', (error) => process.stderr.write(`s3rver: ${error.message}\n`));
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
const { port } = await server.run();
process.stdout.write(`${JSON.stringify({ port })}\n`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
