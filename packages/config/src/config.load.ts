import { createHash } from 'node:crypto';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { z } from 'zod';
import { ConfigSchema, INSECURE_DEV_KEY_LABEL, type Config, type ParsedConfig } from './config.schema.ts';
import { auditAnchorKeyBytes, projectSecretKeyBytes } from './secret-key.ts';

type Env = Record<string, string | undefined>;

/** Thrown when the environment is invalid; `problems` lists every bad variable with how to fix it. */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

// One row per setting: the environment variable, where it lands in Config, its default and a hint.
interface Setting {
  env: string;
  path: string;
  fallback?: string;
  hint: string;
}

const SETTINGS: Setting[] = [
  // NODE_ENV unset is production unless MEDGRADE_DEV=1 (derivedDefaults): forgetting it must not open anything.
  { env: 'MEDGRADE_DEV', path: 'dev', fallback: 'false', hint: 'true or false (1/0): true allows the insecure development secrets on a developer machine; pnpm start, pnpm medgrade and the tests set it' },
  { env: 'NODE_ENV', path: 'env', hint: 'one of development, test, production (default: development with MEDGRADE_DEV=1, production otherwise)' },
  { env: 'LOG_LEVEL', path: 'logLevel', fallback: 'info', hint: 'one of fatal, error, warn, info, debug, trace, silent' },
  { env: 'DATABASE_URL', path: 'database.url', fallback: 'postgresql://postgres@127.0.0.1:5432/medgrade', hint: 'a postgresql:// URL, e.g. postgresql://user:pass@host:5432/medgrade' },
  { env: 'REDIS_URL', path: 'redis.url', fallback: 'redis://127.0.0.1:6379', hint: 'a redis:// URL, e.g. redis://127.0.0.1:6379' },
  { env: 'REDIS_KEY_PREFIX', path: 'redis.keyPrefix', fallback: 'medgrade', hint: 'a non-empty prefix for every Redis key' },
  { env: 'STORAGE_DRIVER', path: 'storage.driver', fallback: 'fs', hint: '"fs" (local folder) or "s3"' },
  { env: 'STORAGE_FS_ROOT', path: 'storage.fsRoot', fallback: './data/objects', hint: 'a folder path' },
  { env: 'S3_BUCKET', path: 'storage.s3.bucket', hint: 'the bucket name (required when STORAGE_DRIVER=s3)' },
  { env: 'S3_REGION', path: 'storage.s3.region', fallback: 'us-east-1', hint: 'an AWS region name' },
  { env: 'S3_ENDPOINT', path: 'storage.s3.endpoint', hint: 'an http(s) URL of an S3-compatible server, e.g. http://127.0.0.1:9000' },
  { env: 'S3_FORCE_PATH_STYLE', path: 'storage.s3.forcePathStyle', fallback: 'false', hint: 'true or false (true for MinIO)' },
  { env: 'S3_ACCESS_KEY_ID', path: 'storage.s3.accessKeyId', hint: 'an access key id' },
  { env: 'S3_SECRET_ACCESS_KEY', path: 'storage.s3.secretAccessKey', hint: 'a secret access key' },
  { env: 'S3_SSE', path: 'storage.s3.serverSideEncryption', hint: 'AES256 or aws:kms (server-side encryption on every write)' },
  { env: 'S3_KMS_KEY_ID', path: 'storage.s3.kmsKeyId', hint: 'a KMS key id or ARN (with S3_SSE=aws:kms)' },
  { env: 'GATEWAY_HOST', path: 'gateway.host', fallback: '127.0.0.1', hint: 'an interface address, e.g. 0.0.0.0 to listen on all interfaces (default: loopback only)' },
  { env: 'GATEWAY_PORT', path: 'gateway.port', fallback: '8080', hint: 'a TCP port 1-65535' },
  { env: 'GATEWAY_PUBLIC_URL', path: 'gateway.publicUrl', hint: 'the external URL, e.g. https://api.example.org' },
  { env: 'RATE_LIMIT_MAX', path: 'gateway.rateLimit.max', fallback: '6000', hint: 'requests per key per window, a positive integer' },
  { env: 'RATE_LIMIT_WINDOW_MS', path: 'gateway.rateLimit.windowMs', fallback: '60000', hint: 'window length in milliseconds' },
  { env: 'API_KEY_CACHE_TTL_MS', path: 'gateway.keyCacheTtlMs', fallback: '5000', hint: 'milliseconds a verified key is cached, 0 disables' },
  { env: 'PORTAL_DIR', path: 'gateway.portalDir', fallback: './packages/portal/dist', hint: "the built developer portal's folder (pnpm --filter @medgrade/portal build)" },
  { env: 'API_KEY_NEGATIVE_CACHE_TTL_MS', path: 'gateway.keyNegativeCacheTtlMs', fallback: '30000', hint: 'milliseconds an unknown key prefix is refused without a database read, 0 disables' },
  { env: 'API_KEY_LAST_USED_INTERVAL_MS', path: 'gateway.keyLastUsedIntervalMs', fallback: '60000', hint: 'milliseconds between writes of a key\'s lastUsedAt, 0 or more' },
  { env: 'AUTH_FAILURE_MAX', path: 'gateway.authFailures.max', fallback: '30', hint: 'failed authentications per key prefix or client address per window, a positive integer' },
  { env: 'GATEWAY_TRUST_PROXY', path: 'gateway.trustProxy', fallback: 'false', hint: 'false (the TCP peer is the client), true (trust X-Forwarded-For from any peer), a hop count such as 1, or a comma list of the proxies\' addresses / CIDR ranges, e.g. 10.0.0.0/8,127.0.0.1' },
  { env: 'AUTH_FAILURE_WINDOW_MS', path: 'gateway.authFailures.windowMs', fallback: '60000', hint: 'window of AUTH_FAILURE_MAX in milliseconds, a positive integer' },
  { env: 'OIP_MAX_REQUEST_BYTES', path: 'gateway.oipMaxRequestBytes', fallback: String(64 * 1024 * 1024), hint: 'largest Open Inference Protocol v2 request body the gateway forwards, in bytes' },
  { env: 'INFERENCE_HOST', path: 'inference.host', fallback: '127.0.0.1', hint: 'an interface address' },
  { env: 'INFERENCE_PORT', path: 'inference.port', fallback: '8081', hint: 'a TCP port 1-65535' },
  { env: 'INFERENCE_URL', path: 'inference.url', hint: 'the URL the gateway calls, e.g. http://127.0.0.1:8081' },
  { env: 'INFERENCE_SERVICE_TOKEN', path: 'inference.serviceToken', hint: 'a random string of at least 16 characters' },
  { env: 'INFERENCE_EXECUTION_PROVIDERS', path: 'inference.executionProviders', fallback: 'cpu', hint: 'a comma list of cpu, cuda in preference order, e.g. cuda,cpu' },
  { env: 'INFERENCE_INTRA_OP_THREADS', path: 'inference.intraOpThreads', fallback: '1', hint: 'threads per onnxruntime operator, a positive integer (1 is fastest on small CPUs)' },
  { env: 'INFERENCE_INTER_OP_THREADS', path: 'inference.interOpThreads', fallback: '1', hint: 'a positive integer' },
  { env: 'INFERENCE_MEMORY_BUDGET_MB', path: 'inference.memoryBudgetMb', fallback: '2048', hint: 'MiB of loaded models kept before evicting, a positive integer' },
  { env: 'INFERENCE_MAX_BATCH_SIZE', path: 'inference.maxBatchSize', fallback: '8', hint: 'largest dynamic batch, a positive integer (1 disables batching)' },
  { env: 'INFERENCE_MAX_QUEUE_DELAY_MS', path: 'inference.maxQueueDelayMs', fallback: '0', hint: 'milliseconds an idle model waits for a batch to fill, 0 or more (0: run at once; requests arriving meanwhile still batch)' },
  { env: 'INFERENCE_REQUEST_TIMEOUT_MS', path: 'inference.requestTimeoutMs', fallback: '30000', hint: 'per-request timeout in milliseconds' },
  { env: 'INFERENCE_CLIENT_TIMEOUT_MS', path: 'inference.clientTimeoutMs', hint: 'milliseconds the gateway waits for one inference service call, a positive integer (default: INFERENCE_REQUEST_TIMEOUT_MS + 5000)' },
  { env: 'DEID_WORKER_CONCURRENCY', path: 'deidWorker.concurrency', fallback: '16', hint: 'jobs one worker process runs at once, a positive integer (DEID_WORKER_MEMORY_BUDGET_MB bounds their memory)' },
  { env: 'DEID_WORKER_MEMORY_BUDGET_MB', path: 'deidWorker.memoryBudgetMb', fallback: '1024', hint: 'MiB that concurrent de-identification jobs may hold at once (3x each raw instance), a positive integer' },
  { env: 'DEID_WORKER_METRICS_HOST', path: 'deidWorker.metricsHost', fallback: '127.0.0.1', hint: 'the interface the worker\'s /metrics listens on, e.g. 0.0.0.0 for a scraper on another host (default: loopback only)' },
  { env: 'DEID_WORKER_METRICS_PORT', path: 'deidWorker.metricsPort', fallback: '9464', hint: 'a TCP port for the worker\'s /metrics, 0 disables' },
  { env: 'DEID_RECONCILE_INTERVAL_MS', path: 'deidWorker.reconcile.intervalMs', fallback: '60000', hint: 'milliseconds between ingest reconciler passes, 0 disables' },
  { env: 'DEID_RECONCILE_GRACE_MS', path: 'deidWorker.reconcile.graceMs', fallback: '900000', hint: 'age in milliseconds before a stuck row is re-enqueued or an orphan raw object deleted, a positive integer' },
  { env: 'DEID_RECONCILE_BATCH_SIZE', path: 'deidWorker.reconcile.batchSize', fallback: '500', hint: 'most rows re-enqueued and objects deleted per pass, a positive integer' },
  { env: 'INFERENCE_WORKER_CONCURRENCY', path: 'inferenceWorker.concurrency', fallback: '4', hint: 'asynchronous inference jobs one inference-worker process runs at once, a positive integer' },
  { env: 'INFERENCE_RUN_LEASE_MS', path: 'inferenceWorker.runLeaseMs', fallback: '60000', hint: 'milliseconds a running inference is held without renewal (renewed every third of it), 1000 or more' },
  { env: 'INFERENCE_RECONCILE_INTERVAL_MS', path: 'inferenceWorker.reconcile.intervalMs', fallback: '60000', hint: 'milliseconds between inference reconciler passes, 0 disables' },
  { env: 'INFERENCE_RECONCILE_GRACE_MS', path: 'inferenceWorker.reconcile.graceMs', fallback: '900000', hint: 'age in milliseconds before a stuck inference is re-enqueued, an orphan staged input deleted or a lost webhook delivery enqueued, a positive integer' },
  { env: 'DEID_RETRY_LIMIT', path: 'retention.retryLimit', fallback: '3', hint: 'times a transiently failed instance is de-identified again before it stays FAILED, 0 or more' },
  { env: 'DEID_RETRY_BACKOFF_MS', path: 'retention.retryBackoffMs', fallback: '300000', hint: 'milliseconds before a failed instance is run again (doubled per retry), a positive integer' },
  { env: 'RAW_RETENTION_HOURS', path: 'retention.rawHours', fallback: '72', hint: 'hours a raw upload awaiting burned-in review is kept before the review expires, a positive integer' },
  { env: 'INFERENCE_RECONCILE_BATCH_SIZE', path: 'inferenceWorker.reconcile.batchSize', fallback: '500', hint: 'most inferences re-enqueued and staged objects deleted per pass, a positive integer' },
  { env: 'TRAINING_POLL_MS', path: 'training.pollMs', fallback: '500', hint: 'milliseconds between the training orchestrator\'s scheduling passes, a positive integer' },
  { env: 'TRAINING_LEASE_MS', path: 'training.leaseMs', fallback: '30000', hint: 'milliseconds a fine-tuning job is held by one orchestrator without renewal, 1000 or more' },
  { env: 'TRAINING_CPU_POOL_CAPACITY', path: 'training.cpuPoolCapacity', fallback: '1', hint: 'concurrent trainer processes the default local pool `cpu` runs, a positive integer' },
  { env: 'TRAINING_WORK_DIR', path: 'training.workDir', fallback: './data/training', hint: 'a folder for the local executor\'s attempt working folders' },
  { env: 'TRAINING_PYTHON', path: 'training.python', fallback: '/usr/bin/python3', hint: 'the Python with PyTorch that runs services/trainer' },
  { env: 'TRAINING_MIN_RUN_SECONDS', path: 'training.minRunSeconds', fallback: '120', hint: 'seconds a running fine-tune is protected from preemption, 0 or more' },
  { env: 'TRAINING_NODE_RETRIES', path: 'training.nodeRetries', fallback: '3', hint: 'attempts lost to node failures before a fine-tune fails, 0 or more' },
  { env: 'TRAINING_RETRY_BACKOFF_MS', path: 'training.retryBackoffMs', fallback: '2000', hint: 'milliseconds before a preempted or failed fine-tune is admitted again (doubled per retry), 0 or more' },
  { env: 'TRAINING_NODE_POOLS_FILE', path: 'training.nodePoolsFile', hint: 'the path of a node pool file (JSON; README "GPU node pools")' },
  { env: 'TRAINER_S3_ACCESS_KEY_ID', path: 'training.trainerS3AccessKeyId', hint: 'an access key id limited to what a trainer reads and writes (model bundles, dataset snapshots, finetune/), not quarantine/' },
  { env: 'TRAINER_S3_SECRET_ACCESS_KEY', path: 'training.trainerS3SecretAccessKey', hint: 'the secret of TRAINER_S3_ACCESS_KEY_ID' },
  { env: 'TRAINING_RETRY_BACKOFF_MAX_MS', path: 'training.retryBackoffMaxMs', fallback: '60000', hint: 'the longest retry backoff in milliseconds, 0 or more' },
  { env: 'TRAINING_OUTAGE_WAIT_SECONDS', path: 'training.outageWaitSeconds', fallback: '600', hint: 'seconds a fine-tune waits out an unreachable object store or database before it fails, 0 or more' },
  { env: 'METRICS_TOKEN', path: 'metrics.token', hint: 'a random string of at least 32 characters that Prometheus sends as `Authorization: Bearer <token>` (openssl rand -base64 32)' },
  { env: 'METRICS_GAUGE_REFRESH_MS', path: 'metrics.gaugeRefreshMs', fallback: '15000', hint: 'milliseconds between refreshes of the gauges /metrics reads from Postgres and Redis, 0 or more (0: every scrape)' },
  { env: 'WEBHOOK_ALLOW_PRIVATE_NETWORKS', path: 'webhooks.allowPrivateNetworks', fallback: 'false', hint: 'true or false (true lets webhooks reach loopback and private networks: on-premises or development only)' },
  { env: 'INGEST_MAX_INSTANCE_BYTES', path: 'ingest.maxInstanceBytes', fallback: String(512 * 1024 * 1024), hint: 'largest accepted DICOM instance in bytes' },
  { env: 'INGEST_MAX_REQUEST_BYTES', path: 'ingest.maxRequestBytes', fallback: String(8 * 1024 * 1024 * 1024), hint: 'largest accepted upload request body in bytes' },
  { env: 'INGEST_MAX_INFLATED_BYTES', path: 'ingest.maxInflatedBytes', fallback: String(256 * 1024 * 1024), hint: 'largest size in bytes a deflated instance\'s data set may inflate to' },
  { env: 'INGEST_MAX_ARCHIVE_ENTRIES', path: 'ingest.maxArchiveEntries', fallback: '20000', hint: 'most entries one uploaded .zip may hold, a positive integer' },
  { env: 'INGEST_MAX_ARCHIVE_BYTES', path: 'ingest.maxArchiveBytes', fallback: String(8 * 1024 * 1024 * 1024), hint: 'most bytes the entries of one uploaded .zip may inflate to together' },
  { env: 'INGEST_MAX_FRAME_PIXELS', path: 'ingest.maxFramePixels', fallback: String(128 * 1024 * 1024), hint: 'largest frame Rows x Columns x SamplesPerPixel decoded, a positive integer' },
  { env: 'INGEST_SPOOL_DIR', path: 'ingest.spoolDir', hint: 'a folder for spooled .zip uploads (default: medgrade-spool under the system temp folder)' },
  { env: 'INGEST_SPOOL_MAX_AGE_MS', path: 'ingest.spoolMaxAgeMs', fallback: '3600000', hint: 'age in milliseconds after which a left-over spooled upload is deleted, a positive integer' },
  { env: 'INGEST_KEY_BYTES_IN_FLIGHT', path: 'ingest.keyBytesInFlight', fallback: String(1024 * 1024 * 1024), hint: 'upload bytes one API key may have in flight at once, a positive integer' },
  { env: 'INGEST_PROCESS_BYTES_IN_FLIGHT', path: 'ingest.processBytesInFlight', fallback: String(4 * 1024 * 1024 * 1024), hint: 'upload bytes one gateway process may have in flight at once, a positive integer' },
  { env: 'INGEST_MAX_BACKLOG', path: 'ingest.maxBacklog', fallback: '50000', hint: 'instances waiting for de-identification, all organizations together, beyond which uploads are refused with 503, a positive integer' },
  { env: 'INGEST_MAX_ORG_BACKLOG', path: 'ingest.maxOrgBacklog', fallback: '10000', hint: 'instances of one organization waiting for de-identification beyond which its uploads are refused with 429, a positive integer' },
  { env: 'MODEL_MAX_BUNDLE_BYTES', path: 'models.maxBundleBytes', fallback: String(2 * 1024 * 1024 * 1024), hint: 'largest model bundle in bytes (compressed and inflated)' },
  { env: 'MEDGRADE_URL', path: 'client.url', hint: 'the gateway URL for the medgrade CLI, e.g. https://api.example.org (default: what `medgrade login` stored, else GATEWAY_PUBLIC_URL)' },
  { env: 'MEDGRADE_API_KEY', path: 'client.apiKey', hint: 'an API key (mgk_…) for the medgrade CLI' },
  { env: 'MEDGRADE_CONFIG_FILE', path: 'client.configFile', hint: 'a file path (default: $XDG_CONFIG_HOME/medgrade/config.json, else ~/.config/medgrade/config.json)' },
  { env: 'DATASET_LABELS_MAX_BYTES', path: 'datasets.maxLabelBytes', fallback: String(64 * 1024 * 1024), hint: 'largest label import body (JSON Lines) in bytes, a positive integer' },
  { env: 'DATASET_LABELS_MAX_ROWS', path: 'datasets.maxLabelRows', fallback: '100000', hint: 'most rows in one label import, a positive integer' },
  { env: 'PROJECT_SECRET_KEY', path: 'secrets.projectSecretKey', hint: '32 random bytes as base64 or 64 hex characters (openssl rand -base64 32)' },
  { env: 'AUDIT_ANCHOR_KEY', path: 'secrets.auditAnchorKey', hint: '32 random bytes as base64 or 64 hex characters (openssl rand -base64 32); unset: derived from PROJECT_SECRET_KEY' },
  { env: 'AUDIT_ANCHOR_KEY_PREVIOUS', path: 'secrets.auditAnchorKeyPrevious', hint: 'the AUDIT_ANCHOR_KEY used before the rotation (32 bytes as base64 or 64 hex characters); unset once every organization has appended under the new key' },
];

const ENV_BY_PATH = new Map(SETTINGS.map((s) => [s.path, s]));

function setPath(target: Record<string, unknown>, path: string, value: string): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
  node[parts.at(-1)!] = value;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

const isDevSwitch = (value: string | undefined) => value === 'true' || value === '1';

// Values derived from other values: URLs built from host/port and the insecure dev-only keys.
function derivedDefaults(env: Env): Env {
  // A bad port is reported once, under its own variable, not again through the derived URL.
  const numeric = (v: string | undefined, d: string) => (v && /^\d+$/.test(v) ? v : d);
  const port = numeric(env.GATEWAY_PORT, '8080');
  const inferencePort = numeric(env.INFERENCE_PORT, '8081');
  // Just past the service's own deadline, so a healthy service's 504 arrives first.
  const inferenceTimeout = Number(numeric(env.INFERENCE_REQUEST_TIMEOUT_MS, '30000')) + 5000;
  return {
    NODE_ENV: isDevSwitch(env.MEDGRADE_DEV) ? 'development' : 'production',
    GATEWAY_PUBLIC_URL: `http://127.0.0.1:${port}`,
    INFERENCE_URL: `http://127.0.0.1:${inferencePort}`,
    INFERENCE_CLIENT_TIMEOUT_MS: String(inferenceTimeout),
    INGEST_SPOOL_DIR: join(tmpdir(), 'medgrade-spool'),
    MEDGRADE_CONFIG_FILE: join(env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config'), 'medgrade', 'config.json'),
    // Deterministic so every process on a dev machine agrees; labelled and refused without MEDGRADE_DEV=1.
    PROJECT_SECRET_KEY: `${INSECURE_DEV_KEY_LABEL}:${createHash('sha256').update(INSECURE_DEV_KEY_LABEL).digest('base64')}`,
    INFERENCE_SERVICE_TOKEN: `${INSECURE_DEV_KEY_LABEL}-inference-token`,
  };
}

function rawObject(env: Env): Record<string, unknown> {
  const derived = derivedDefaults(env);
  const raw: Record<string, unknown> = {};
  const driver = env.STORAGE_DRIVER ?? 'fs';
  for (const s of SETTINGS) {
    if (s.path.startsWith('storage.s3.') && driver !== 's3') continue;
    if (s.path === 'storage.fsRoot' && driver !== 'fs') continue;
    const value = env[s.env] === '' ? undefined : (env[s.env] ?? s.fallback ?? derived[s.env]);
    if (value !== undefined) setPath(raw, s.path, value);
  }
  return raw;
}

function describe(issue: z.core.$ZodIssue): string {
  const path = issue.path.join('.');
  const setting = ENV_BY_PATH.get(path);
  if (!setting) return `${path || '(root)'}: ${issue.message}`;
  return `${setting.env}: ${issue.message}; set it to ${setting.hint}`;
}

function semanticProblems(config: ParsedConfig): string[] {
  const problems: string[] = [];
  for (const [value, path] of [[config.secrets.projectSecretKey, 'secrets.projectSecretKey'], [config.secrets.auditAnchorKey, 'secrets.auditAnchorKey'], [config.secrets.auditAnchorKeyPrevious, 'secrets.auditAnchorKeyPrevious']] as const) {
    try {
      if (value !== undefined) projectSecretKeyBytes(value);
    } catch {
      const setting = ENV_BY_PATH.get(path)!;
      problems.push(`${setting.env}: does not decode to 32 bytes; set it to ${setting.hint}`);
    }
  }
  // Fail closed: the public development secrets need the explicit switch, and never in production.
  if (config.dev && config.env !== 'production') return problems;
  if (config.deidWorker.metricsPort > 0 && !LOOPBACK.has(config.deidWorker.metricsHost) && !config.metrics.token) {
    problems.push(`DEID_WORKER_METRICS_HOST: ${config.deidWorker.metricsHost} serves the worker's /metrics beyond loopback, which needs METRICS_TOKEN; set METRICS_TOKEN to ${ENV_BY_PATH.get('metrics.token')!.hint}, or leave the host at 127.0.0.1`);
  }
  const why = config.dev ? 'is refused with NODE_ENV=production' : 'is refused unless MEDGRADE_DEV=1 (development machines only)';
  if (config.secrets.projectSecretKey.startsWith(INSECURE_DEV_KEY_LABEL)) {
    problems.push(`PROJECT_SECRET_KEY: the insecure development default ${why}; set it to ${ENV_BY_PATH.get('secrets.projectSecretKey')!.hint}`);
  }
  if (config.inference.serviceToken.startsWith(INSECURE_DEV_KEY_LABEL)) {
    problems.push(`INFERENCE_SERVICE_TOKEN: the development default ${why}; set it to a random string of at least 16 characters`);
  }
  return problems;
}

/** Parse the environment once into a typed, nested Config; throws ConfigError listing every problem. */
export function loadConfig(env: Env = process.env): Config {
  const parsed = ConfigSchema.safeParse(rawObject(env));
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map(describe));
  const problems = semanticProblems(parsed.data);
  if (problems.length > 0) throw new ConfigError(problems);
  const { secrets } = parsed.data;
  const projectKey = projectSecretKeyBytes(secrets.projectSecretKey);
  const previous = secrets.auditAnchorKeyPrevious ? { auditAnchorKeyPreviousBytes: projectSecretKeyBytes(secrets.auditAnchorKeyPrevious) } : {};
  return { ...parsed.data, secrets: { ...secrets, projectSecretKeyBytes: projectKey, auditAnchorKeyBytes: auditAnchorKeyBytes(secrets.auditAnchorKey, projectKey), ...previous } };
}

/** The environment a child process should inherit, plus overrides (only config reads process.env). */
export function childProcessEnv(overrides: Env = {}): NodeJS.ProcessEnv {
  return { ...process.env, ...overrides };
}
