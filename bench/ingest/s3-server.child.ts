// s3rver in its own process for the benchmark, so the S3 server does not share the load
// generator's thread. Prints its store options as one JSON line, serves until SIGTERM.
import { startLocalS3 } from '../../packages/storage/src/testing/s3-server.ts';

const s3 = await startLocalS3(process.argv[2] ?? 'medgrade-bench');
process.stdout.write(`${JSON.stringify(s3.options)}\n`);
process.once('SIGTERM', () => void s3.close().then(() => process.exit(0)));
