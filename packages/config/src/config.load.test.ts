import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.load.ts';
import { projectSecretKeyBytes } from './secret-key.ts';

// A developer machine: the switch that allows the public development secrets (pnpm start, tests).
const dev = (env: Record<string, string>) => loadConfig({ MEDGRADE_DEV: '1', ...env });
const KEY = Buffer.alloc(32, 7).toString('base64');
const TOKEN = 'a-long-random-service-token';
const METRICS = 'a-metrics-token-of-at-least-32-characters';

describe('loadConfig fails closed (issue 14.6)', () => {
  it('refuses the development secrets when nothing is set: NODE_ENV unset is not development', () => {
    expect(() => loadConfig({})).toThrow(/PROJECT_SECRET_KEY: the insecure development default is refused unless MEDGRADE_DEV=1/);
    expect(() => loadConfig({ PROJECT_SECRET_KEY: KEY })).toThrow(/INFERENCE_SERVICE_TOKEN: the development default is refused unless MEDGRADE_DEV=1/);
    expect(() => loadConfig({ NODE_ENV: 'test' })).toThrow(/refused unless MEDGRADE_DEV=1/);
    expect(() => loadConfig({ MEDGRADE_DEV: '0' })).toThrow(/refused unless MEDGRADE_DEV=1/);
  });

  it('defaults to production and binds every listener to loopback unless a host is configured', () => {
    const config = loadConfig({ PROJECT_SECRET_KEY: KEY, INFERENCE_SERVICE_TOKEN: TOKEN });
    expect(config.env).toBe('production');
    expect(config.dev).toBe(false);
    expect(config.gateway.host).toBe('127.0.0.1');
    expect(config.inference.host).toBe('127.0.0.1');
    expect(config.deidWorker.metricsHost).toBe('127.0.0.1');
    const open = loadConfig({ PROJECT_SECRET_KEY: KEY, INFERENCE_SERVICE_TOKEN: TOKEN, GATEWAY_HOST: '0.0.0.0', DEID_WORKER_METRICS_HOST: '0.0.0.0', METRICS_TOKEN: METRICS });
    expect([open.gateway.host, open.deidWorker.metricsHost]).toEqual(['0.0.0.0', '0.0.0.0']);
  });

  it('serves the worker\'s /metrics beyond loopback only with a metrics token (issue 14.7)', () => {
    const production = { PROJECT_SECRET_KEY: KEY, INFERENCE_SERVICE_TOKEN: TOKEN };
    expect(() => loadConfig({ ...production, DEID_WORKER_METRICS_HOST: '0.0.0.0' })).toThrow(/DEID_WORKER_METRICS_HOST: 0.0.0.0 .* needs METRICS_TOKEN/);
    expect(loadConfig({ ...production, DEID_WORKER_METRICS_HOST: '0.0.0.0', DEID_WORKER_METRICS_PORT: '0' }).deidWorker.metricsPort).toBe(0);
    expect(() => loadConfig({ ...production, METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN: .*at least 32 characters/);
    expect(loadConfig(production).metrics).toEqual({ gaugeRefreshMs: 15000 });
  });

  it('allows the development secrets only with MEDGRADE_DEV=1 and never with NODE_ENV=production', () => {
    expect(dev({}).env).toBe('development');
    expect(dev({ NODE_ENV: 'test' }).dev).toBe(true);
    expect(() => dev({ NODE_ENV: 'production' })).toThrow(/development default is refused with NODE_ENV=production/);
  });
});

describe('loadConfig', () => {
  it('works with an empty environment using local defaults', () => {
    const config = dev({});
    expect(config.database.url).toBe('postgresql://postgres@127.0.0.1:5432/medgrade');
    expect(config.redis.url).toBe('redis://127.0.0.1:6379');
    expect(config.storage).toEqual({ driver: 'fs', fsRoot: './data/objects' });
    expect(config.gateway.port).toBe(8080);
    expect(config.inference.url).toBe('http://127.0.0.1:8081');
    expect(projectSecretKeyBytes(config.secrets.projectSecretKey)).toHaveLength(32);
  });

  it('bounds de-identification memory by a budget, not by concurrency alone', () => {
    expect(dev({}).deidWorker).toMatchObject({ concurrency: 16, memoryBudgetMb: 1024 });
    expect(dev({ DEID_WORKER_MEMORY_BUDGET_MB: '256' }).deidWorker.memoryBudgetMb).toBe(256);
    expect(() => dev({ DEID_WORKER_MEMORY_BUDGET_MB: '0' })).toThrow(/DEID_WORKER_MEMORY_BUDGET_MB: .*MiB/);
  });

  it('reads nested S3 settings when the driver is s3', () => {
    const config = dev({ STORAGE_DRIVER: 's3', S3_BUCKET: 'medgrade', S3_ENDPOINT: 'http://127.0.0.1:9000', S3_FORCE_PATH_STYLE: 'true' });
    expect(config.storage).toEqual({
      driver: 's3',
      s3: { bucket: 'medgrade', region: 'us-east-1', endpoint: 'http://127.0.0.1:9000', forcePathStyle: true },
    });
  });

  it('reports every bad variable at once with how to fix it', () => {
    let error: unknown;
    try {
      dev({ GATEWAY_PORT: 'eighty', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud', STORAGE_DRIVER: 's3' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(4);
    expect(problems.find((p) => p.startsWith('GATEWAY_PORT:'))).toContain('a TCP port 1-65535');
    expect(problems.find((p) => p.startsWith('DATABASE_URL:'))).toContain('postgresql://');
    expect(problems.find((p) => p.startsWith('LOG_LEVEL:'))).toContain('one of fatal');
    expect(problems.find((p) => p.startsWith('S3_BUCKET:'))).toContain('required when STORAGE_DRIVER=s3');
  });

  it('refuses the insecure development secrets in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/PROJECT_SECRET_KEY: the insecure development default is refused/);
    const config = loadConfig({ NODE_ENV: 'production', PROJECT_SECRET_KEY: KEY, INFERENCE_SERVICE_TOKEN: TOKEN });
    expect(projectSecretKeyBytes(config.secrets.projectSecretKey)).toEqual(Buffer.alloc(32, 7));
  });

  it('rejects a project secret key that is not 32 bytes', () => {
    expect(() => dev({ PROJECT_SECRET_KEY: 'c2hvcnQ=' })).toThrow(/does not decode to 32 bytes/);
  });

  it('parses inference serving settings and names a bad execution provider', () => {
    const config = dev({ INFERENCE_EXECUTION_PROVIDERS: 'cuda, cpu', INFERENCE_MAX_BATCH_SIZE: '16' });
    expect(config.inference.executionProviders).toEqual(['cuda', 'cpu']);
    expect(config.inference.maxBatchSize).toBe(16);
    expect(() => dev({ INFERENCE_EXECUTION_PROVIDERS: 'tpu' })).toThrow(/INFERENCE_EXECUTION_PROVIDERS: "tpu" is not a list of cpu, cuda/);
  });

  it('keeps webhooks off private networks unless WEBHOOK_ALLOW_PRIVATE_NETWORKS is set', () => {
    expect(dev({}).webhooks.allowPrivateNetworks).toBe(false);
    expect(dev({}).inferenceWorker.concurrency).toBe(4);
    const config = dev({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', INFERENCE_WORKER_CONCURRENCY: '0' });
    expect(config.webhooks.allowPrivateNetworks).toBe(true);
    expect(config.inferenceWorker.concurrency).toBe(0);
    expect(() => dev({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'yes' })).toThrow(/WEBHOOK_ALLOW_PRIVATE_NETWORKS: .*true or false/);
  });

  it('runs the inference reconciler every minute with a 15-minute grace unless told otherwise', () => {
    expect(dev({}).inferenceWorker.reconcile).toEqual({ intervalMs: 60_000, graceMs: 900_000, batchSize: 500 });
    const config = dev({ INFERENCE_RECONCILE_INTERVAL_MS: '0', INFERENCE_RECONCILE_GRACE_MS: '120000', INFERENCE_RECONCILE_BATCH_SIZE: '10' });
    expect(config.inferenceWorker.reconcile).toEqual({ intervalMs: 0, graceMs: 120_000, batchSize: 10 });
    expect(() => dev({ INFERENCE_RECONCILE_GRACE_MS: '0' })).toThrow(/INFERENCE_RECONCILE_GRACE_MS: .*a positive integer/);
  });

  it('bounds the gateway\'s inference calls just past the service deadline and leases running inferences for a minute', () => {
    const defaults = dev({});
    expect(defaults.inference.clientTimeoutMs).toBe(35_000);
    expect(defaults.inferenceWorker.runLeaseMs).toBe(60_000);
    expect(dev({ INFERENCE_REQUEST_TIMEOUT_MS: '120000' }).inference.clientTimeoutMs).toBe(125_000);
    const set = dev({ INFERENCE_CLIENT_TIMEOUT_MS: '2000', INFERENCE_RUN_LEASE_MS: '3000' });
    expect([set.inference.clientTimeoutMs, set.inferenceWorker.runLeaseMs]).toEqual([2000, 3000]);
    expect(() => dev({ INFERENCE_RUN_LEASE_MS: '10' })).toThrow(/INFERENCE_RUN_LEASE_MS: .*1000 or more/);
  });
});

describe('GATEWAY_TRUST_PROXY', () => {
  it('is false by default and takes true, a hop count or a list of proxy addresses for Fastify\'s trustProxy', () => {
    expect(dev({}).gateway.trustProxy).toBe(false);
    expect(dev({ GATEWAY_TRUST_PROXY: 'true' }).gateway.trustProxy).toBe(true);
    expect(dev({ GATEWAY_TRUST_PROXY: '1' }).gateway.trustProxy).toBe(1);
    expect(dev({ GATEWAY_TRUST_PROXY: '10.0.0.0/8, 127.0.0.1,::1' }).gateway.trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1', '::1']);
    expect(() => dev({ GATEWAY_TRUST_PROXY: 'yes please' })).toThrow(/GATEWAY_TRUST_PROXY: .*hop count/);
  });

  it('reads AUDIT_ANCHOR_KEY_PREVIOUS for a key rotation, refusing one that is not 32 bytes', () => {
    expect(dev({}).secrets.auditAnchorKeyPreviousBytes).toBeUndefined();
    expect(dev({ AUDIT_ANCHOR_KEY_PREVIOUS: KEY }).secrets.auditAnchorKeyPreviousBytes).toEqual(Buffer.alloc(32, 7));
    expect(() => dev({ AUDIT_ANCHOR_KEY_PREVIOUS: 'short' })).toThrow(/AUDIT_ANCHOR_KEY_PREVIOUS: does not decode to 32 bytes/);
  });
});
