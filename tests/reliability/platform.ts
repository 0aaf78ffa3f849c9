// The platform as `pnpm start` runs it, for the fault suite and the load bench: the gateway, the
// deid-worker, the inference service and the inference-worker as real child processes (plain
// `node` on each main.ts, which strips the types; not the tsx wrapper, whose SIGKILL would leave
// the real child alive), configured through the environment only, on private infrastructure
// (platform.infra.ts) so that Postgres and Redis can be restarted without touching the shared
// servers. One organization with an org-wide admin key and the reference model released. On request
// the training orchestrator too (its local pool's trainers reach the store through the same proxy).
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, readdirSync, rmSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiKeyService } from '../../packages/auth/src/index.ts';
import { loadConfig } from '../../packages/config/src/index.ts';
import { createPrismaClient, ensureDatabase, migrateDeploy, newProjectSecretCiphertext, type PrismaClient } from '../../packages/db/src/index.ts';
import { S3ObjectStore } from '../../packages/storage/src/index.ts';
import { bundleMultipart } from '../../services/gateway/test/bundle.multipart.ts';
import { REFERENCE_MODEL } from '../platform.harness.ts';
import { freePort, startPrivatePostgres, startPrivateRedis, startRefusingS3, type PrivatePostgres, type PrivateRedis, type RefusingS3 } from './platform.infra.ts';

const ROOT = join(import.meta.dirname, '../..');

export const SERVICE_NAMES = ['gateway', 'deid-worker', 'inference', 'inference-worker'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];
/** A service the platform can run: the four above, and the training orchestrator when asked for. */
export type PlatformProcess = ServiceName | 'training-orchestrator';

/** A running platform. */
export interface Platform {
  pg: PrivatePostgres;
  redis: PrivateRedis;
  s3: RefusingS3;
  /** A client of the platform's database and object store for assertions (not used by services). */
  prisma: PrismaClient;
  store: S3ObjectStore;
  gatewayUrl: string;
  /** `Bearer <org-wide admin key>`. */
  auth: string;
  orgId: string;
  /** The environment every service gets (what `pnpm start` would be given). */
  env: Record<string, string>;
  /** A new project of the organization. */
  project(slug: string): Promise<string>;
  start(name: PlatformProcess): Promise<void>;
  /** Sends the signal and waits for the process to be gone. */
  kill(name: PlatformProcess, signal: NodeJS.Signals): Promise<void>;
  pid(name: PlatformProcess): number | undefined;
  /** Resident set size of a running service, MiB (Linux /proc). */
  rssMiB(name: PlatformProcess): number | undefined;
  /** Live trainer processes the orchestrator's local pool started (they outlive a killed orchestrator). */
  trainerPids(): number[];
  /** HTTP against the gateway with the admin key. */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }>;
  close(): Promise<void>;
}

/** Options: env overrides for every service (budgets, reconciler timings). */
export interface PlatformOptions {
  env?: Record<string, string>;
  /** Register and release the reference model (inference scenarios need it). */
  model?: boolean;
  /** Also run the training orchestrator (fine-tuning scenarios; the ingest ones do not pay for it). */
  training?: boolean;
}

function readyLine(name: PlatformProcess): RegExp | undefined {
  if (name === 'gateway' || name === 'inference') return undefined;
  return new RegExp(`"msg":"${name} started"`);
}

/**
 * Live processes whose environment holds `MEDGRADE_EXIT_FILE=<workDir>/…`: the local executor's
 * trainers (it gives each attempt an exit file under its work folder), zombies excluded.
 */
function trainersUnder(workDir: string): number[] {
  const marker = Buffer.from(`MEDGRADE_EXIT_FILE=${workDir}/`);
  const found: number[] = [];
  for (const dir of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (!readFileSync(`/proc/${dir}/environ`).includes(marker)) continue;
      const stat = readFileSync(`/proc/${dir}/stat`, 'utf8');
      if (!/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2))) found.push(Number(dir));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() - start > timeoutMs) throw new Error(`${what}: not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Starts the infrastructure, migrates, seeds an organization and starts every service. */
export async function startPlatform(options: PlatformOptions = {}): Promise<Platform> {
  const [pg, redis, s3] = await Promise.all([startPrivatePostgres(), startPrivateRedis(), startRefusingS3()]);
  const logDir = mkdtempSync(join(tmpdir(), 'medgrade-platform-'));
  await ensureDatabase(pg.url);
  await migrateDeploy(pg.url);
  const [gatewayPort, inferencePort] = [await freePort(), await freePort()];
  const { options: s3o } = s3;
  const env: Record<string, string> = {
    MEDGRADE_DEV: '1', DATABASE_URL: pg.url, REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'medgrade',
    STORAGE_DRIVER: 's3', S3_BUCKET: s3o.bucket, S3_REGION: s3o.region, S3_ENDPOINT: s3o.endpoint!, S3_FORCE_PATH_STYLE: 'true',
    S3_ACCESS_KEY_ID: s3o.credentials!.accessKeyId, S3_SECRET_ACCESS_KEY: s3o.credentials!.secretAccessKey,
    GATEWAY_PORT: String(gatewayPort), INFERENCE_PORT: String(inferencePort), DEID_WORKER_METRICS_PORT: '0',
    RATE_LIMIT_MAX: '10000000', INGEST_SPOOL_DIR: join(logDir, 'spool'),
    // Reconcilers every second with a 10 s grace, so a fault's leftovers are repaired within the test.
    DEID_RECONCILE_INTERVAL_MS: '1000', DEID_RECONCILE_GRACE_MS: '10000',
    INFERENCE_RECONCILE_INTERVAL_MS: '1000', INFERENCE_RECONCILE_GRACE_MS: '10000',
    // An instance that failed transiently (e.g. the store refused its writes) runs again after 5 s, not 5 min.
    DEID_RETRY_BACKOFF_MS: '5000',
    // Training: the local pool on this machine's CPU; a killed orchestrator's lease lapses in 3 s
    // (not 30), a retried attempt waits 0.5 s; trainers use the platform's S3 key through the proxy.
    TRAINING_WORK_DIR: join(logDir, 'training'), TRAINING_POLL_MS: '200', TRAINING_LEASE_MS: '3000', TRAINING_MIN_RUN_SECONDS: '0',
    TRAINING_RETRY_BACKOFF_MS: '500', TRAINING_RETRY_BACKOFF_MAX_MS: '5000', TRAINING_PYTHON: '/usr/bin/python3',
    TRAINER_S3_ACCESS_KEY_ID: s3o.credentials!.accessKeyId, TRAINER_S3_SECRET_ACCESS_KEY: s3o.credentials!.secretAccessKey,
    ...options.env,
    // The workers say they are ready only in their start-up log line (info).
    LOG_LEVEL: 'info',
  };
  const config = loadConfig({ ...env });
  const prisma = createPrismaClient(pg.url, { maxConnections: 4 });
  const org = await prisma.organization.create({ data: { slug: 'faults', name: 'Faults' } });
  const { key } = await new ApiKeyService(prisma, { cacheTtlMs: 0 }).create({ orgId: org.id, scopes: ['admin'] });
  const auth = `Bearer ${key}`;
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;

  const services: PlatformProcess[] = [...SERVICE_NAMES, ...(options.training ? ['training-orchestrator' as const] : [])];
  const children = new Map<PlatformProcess, ChildProcess>();
  const logs = new Map<PlatformProcess, WriteStream>(services.map((n) => [n, createWriteStream(join(logDir, `${n}.log`), { flags: 'a' })]));

  async function start(name: PlatformProcess): Promise<void> {
    const child = spawn(process.execPath, [join(ROOT, 'services', name, 'src/main.ts')], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.set(name, child);
    const log = logs.get(name)!;
    let seen = '';
    const ready = readyLine(name);
    const started = new Promise<void>((resolve, reject) => {
      child.once('exit', (code, signal) => reject(new Error(`${name} exited (${signal ?? code}) while starting; log: ${join(logDir, `${name}.log`)}`)));
      child.stdout!.on('data', (d: Buffer) => {
        log.write(d);
        if (ready && (seen = (seen + d.toString()).slice(-4096)) && ready.test(seen)) resolve();
      });
      if (!ready) {
        const path = name === 'gateway' ? `${gatewayUrl}/health/live` : `http://127.0.0.1:${inferencePort}/v2/health/live`;
        void until(`${name} live`, async () => ((await fetch(path)).ok ? true : undefined), 120_000).then(() => resolve(), reject);
      }
    });
    child.stderr!.on('data', (d: Buffer) => log.write(d));
    await started;
  }

  async function kill(name: PlatformProcess, signal: NodeJS.Signals): Promise<void> {
    const child = children.get(name);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
  }

  async function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    const res = await fetch(`${gatewayUrl}${path}`, { method, headers: { authorization: auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  }

  const store = new S3ObjectStore(s3o);
  for (const name of services) await start(name);
  if (options.model) await releaseReferenceModel(gatewayUrl, auth, api);

  return {
    pg, redis, s3, prisma, store, gatewayUrl, auth, orgId: org.id, env,
    async project(slug) {
      const p = await prisma.project.create({ data: { orgId: org.id, slug, name: slug, secretCiphertext: newProjectSecretCiphertext(config.secrets.projectSecretKeyBytes) } });
      return p.id;
    },
    start, kill, api,
    pid: (name) => children.get(name)?.pid,
    rssMiB(name) {
      const pid = children.get(name)?.pid;
      if (!pid) return undefined;
      try {
        const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
        return kb ? Number(kb) / 1024 : undefined;
      } catch {
        return undefined;
      }
    },
    trainerPids: () => trainersUnder(env.TRAINING_WORK_DIR!),
    async close() {
      await Promise.all(services.map((n) => kill(n, 'SIGTERM')));
      // Trainers are detached to outlive their orchestrator; the platform going away ends them.
      for (const pid of trainersUnder(env.TRAINING_WORK_DIR!)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      for (const log of logs.values()) log.end();
      await prisma.$disconnect().catch(() => {});
      store.close();
      await redis.close();
      await s3.close();
      pg.close();
      if (!process.env.KEEP_PLATFORM_LOGS) rmSync(logDir, { recursive: true, force: true });
    },
  };
}

/** Creates the model, uploads the committed bundle and releases it (an override: it has no base). */
async function releaseReferenceModel(gatewayUrl: string, auth: string, api: Platform['api']): Promise<void> {
  const name = 'medgrade-cxr-tiny';
  const created = await api('POST', '/v1/models', { name });
  if (created.status !== 201) throw new Error(`POST /v1/models: ${created.status} ${JSON.stringify(created.json)}`);
  const up = await bundleMultipart(REFERENCE_MODEL);
  const res = await fetch(`${gatewayUrl}/v1/models/${name}/versions`, { method: 'POST', headers: { ...up.headers, authorization: auth }, body: up.payload });
  const version = (await res.json()) as { version?: string };
  if (res.status !== 201 || !version.version) throw new Error(`bundle upload: ${res.status} ${JSON.stringify(version)}`);
  const released = await api('POST', `/v1/models/${name}/versions/${version.version}/release`, { reason: 'fault suite reference model', override: true });
  if (released.status !== 200) throw new Error(`release: ${released.status} ${JSON.stringify(released.json)}`);
}
