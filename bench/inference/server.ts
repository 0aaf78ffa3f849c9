// Starts services/inference (its real main.ts run by node, which strips the types, as `pnpm start`
// and the service image do; not through tsx, whose transformed code runs slower) as a child process
// on a port, over a filesystem object store, and waits until it is live.
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

export interface ChildServer {
  url: string;
  stop(): Promise<void>;
}

export async function startInference(port: number, storeRoot: string, token: string, maxBatchSize: number, maxQueueDelayMs: number): Promise<ChildServer> {
  const child: ChildProcess = spawn(process.execPath, [join(ROOT, 'services/inference/src/main.ts')], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env, LOG_LEVEL: 'warn', INFERENCE_PORT: String(port), STORAGE_DRIVER: 'fs', STORAGE_FS_ROOT: storeRoot, INFERENCE_SERVICE_TOKEN: token,
      INFERENCE_MAX_BATCH_SIZE: String(maxBatchSize), INFERENCE_MAX_QUEUE_DELAY_MS: String(maxQueueDelayMs), INFERENCE_INTRA_OP_THREADS: '1', INFERENCE_REQUEST_TIMEOUT_MS: '120000',
    },
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 240; i++) {
    if (child.exitCode !== null) throw new Error(`inference server on port ${port} exited with ${child.exitCode}`);
    const live = await fetch(`${url}/v2/health/live`).then((r) => r.ok, () => false);
    if (live) {
      return {
        url,
        stop: () => new Promise<void>((done) => {
          child.once('exit', () => done());
          child.kill('SIGTERM');
        }),
      };
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  child.kill('SIGTERM');
  throw new Error(`inference server on port ${port} did not become live within 60 s`);
}
