// The s3rver process startLocalS3 spawns: `node s3-server.child.ts <directory> <bucket>`. It prints
// one JSON line `{"port": N}` once listening. s3rver reads object files that a concurrent
// DeleteObject can remove under it, and under load that race surfaces as an uncaught ENOENT inside
// s3rver; in its own process the error is reported on stderr and the server keeps serving, instead
// of failing whichever test file happened to share the process with it.
import S3rver from 's3rver';

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
