import { z } from 'zod';

// Every value a medgrade process reads from its environment, nested by area. Defaults work on a
// developer machine with Postgres and Redis on localhost and nothing else set.

/** Prefix of the development-only project-secret key; refused in production. */
export const INSECURE_DEV_KEY_LABEL = 'medgrade-insecure-development-key';

const port = z.coerce.number().int().min(1).max(65535);
const positiveInt = z.coerce.number().int().positive();
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
// An address, a CIDR range, or proxy-addr's named ranges (loopback, linklocal, uniquelocal).
const proxyAddress = /^(?:[0-9a-fA-F:.]+(?:\/\d{1,3})?|loopback|linklocal|uniquelocal)$/;
/** GATEWAY_TRUST_PROXY: false (default), true, a hop count, or a comma list of proxy addresses (Fastify's trustProxy). */
const trustProxy = z.string().trim().transform((value, ctx): boolean | number | string[] => {
  if (value === '' || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d{1,2}$/.test(value)) return Number(value);
  const list = value.split(',').map((a) => a.trim()).filter(Boolean);
  if (list.length > 0 && list.every((a) => proxyAddress.test(a))) return list;
  ctx.addIssue({ code: 'custom', message: 'not true, false, a hop count or a comma list of addresses / CIDR ranges' });
  return z.NEVER;
});

export const EXECUTION_PROVIDERS = ['cpu', 'cuda'] as const;
export type ExecutionProvider = (typeof EXECUTION_PROVIDERS)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const ConfigSchema = z.object({
  /** MEDGRADE_DEV=1: a developer machine, where the public development secrets are allowed. */
  dev: bool,
  env: z.enum(['development', 'test', 'production']),
  logLevel: z.enum(LOG_LEVELS),
  database: z.object({
    url: z.url({ protocol: /^postgres(ql)?$/ }),
  }),
  redis: z.object({
    url: z.url({ protocol: /^rediss?$/ }),
    keyPrefix: z.string().min(1),
  }),
  storage: z.discriminatedUnion('driver', [
    z.object({ driver: z.literal('fs'), fsRoot: z.string().min(1) }),
    z.object({
      driver: z.literal('s3'),
      s3: z.object({
        bucket: z.string().min(3),
        region: z.string().min(1),
        endpoint: z.url().optional(),
        forcePathStyle: bool,
        accessKeyId: z.string().min(1).optional(),
        secretAccessKey: z.string().min(1).optional(),
        serverSideEncryption: z.enum(['AES256', 'aws:kms']).optional(),
        kmsKeyId: z.string().min(1).optional(),
      }),
    }),
  ]),
  gateway: z.object({
    host: z.string().min(1),
    port,
    publicUrl: z.url(),
    rateLimit: z.object({ max: positiveInt, windowMs: positiveInt }),
    keyCacheTtlMs: z.coerce.number().int().min(0),
    /** How long a key prefix found to have no key is answered 401 from memory (0 disables). */
    keyNegativeCacheTtlMs: z.coerce.number().int().min(0),
    /** A key's lastUsedAt is written at most this often (per gateway process). */
    keyLastUsedIntervalMs: z.coerce.number().int().min(0),
    /** Failed authentications per window, per key prefix (a wrong secret) or per client address (garbage); beyond, 429 (see the gateway's auth plugin). */
    authFailures: z.object({ max: positiveInt, windowMs: positiveInt }),
    /** Which proxies' X-Forwarded-For to believe for the client address (Fastify's trustProxy); false: the TCP peer. */
    trustProxy,
    /** Largest Open Inference Protocol v2 request body (JSON or binary tensors) the gateway forwards. */
    oipMaxRequestBytes: positiveInt,
    /** The built developer portal (packages/portal, `pnpm start` builds it) served at /portal (a 404 naming the build command while it is not built). */
    portalDir: z.string(),
  }),
  inference: z.object({
    host: z.string().min(1),
    port,
    url: z.url(),
    /** Shared credential the gateway presents to the inference service. */
    serviceToken: z.string().min(16),
    /** onnxruntime execution providers in preference order, e.g. "cuda,cpu" on GPU nodes. */
    executionProviders: z.string().transform((v, ctx) => {
      const list = v.split(',').map((p) => p.trim()).filter(Boolean);
      if (list.length > 0 && list.every((p) => EXECUTION_PROVIDERS.includes(p as ExecutionProvider))) return list as ExecutionProvider[];
      ctx.addIssue({ code: 'custom', message: `"${v}" is not a list of ${EXECUTION_PROVIDERS.join(', ')}` });
      return z.NEVER;
    }),
    intraOpThreads: positiveInt,
    interOpThreads: positiveInt,
    /** Loaded model versions are evicted (least recently used first) above this many MiB. */
    memoryBudgetMb: positiveInt,
    /** Dynamic batching: largest batch and longest wait for one to fill (0 ms = no waiting). */
    maxBatchSize: positiveInt,
    maxQueueDelayMs: z.coerce.number().int().min(0),
    requestTimeoutMs: positiveInt,
    /**
     * The gateway's limit on one call to the inference service (backs up the service's own
     * requestTimeoutMs, which answers 504 first when healthy); a call past it fails with TIMEOUT.
     */
    clientTimeoutMs: positiveInt,
  }),
  deidWorker: z.object({
    concurrency: positiveInt,
    /** MiB that concurrent jobs may hold at once (each reserves 3x its raw instance size). */
    memoryBudgetMb: positiveInt,
    /** Interface of the worker's /metrics (loopback unless configured). */
    metricsHost: z.string().min(1),
    metricsPort: z.coerce.number().int().min(0).max(65535),
    /** Ingest reconciler: re-enqueues stuck rows and deletes orphan quarantine objects. */
    reconcile: z.object({
      /** Milliseconds between passes (one replica per interval); 0 disables. */
      intervalMs: z.coerce.number().int().min(0),
      /** Rows and objects younger than this are left alone (intake may still be between steps). */
      graceMs: positiveInt,
      /** Most rows re-enqueued and most objects deleted in one pass. */
      batchSize: positiveInt,
    }),
  }),
  /**
   * Raw uploads (PHI) kept in quarantine/: the deid-worker's retention sweep retries transient
   * failures, deletes the raw objects of final instances, and ends reviews left undecided.
   */
  retention: z.object({
    /** Times a transiently failed instance (FAILED DEID_FAILED) is run again; then it stays FAILED and its raw object goes. */
    retryLimit: z.coerce.number().int().min(0),
    /** Wait before the first re-run of a failed instance, doubled for each further one. */
    retryBackoffMs: positiveInt,
    /** Hours a raw object awaiting burned-in review is kept; undecided by then, the instance ends REJECTED REVIEW_EXPIRED. */
    rawHours: positiveInt,
  }),
  /** Asynchronous inferences (InferenceRun / InferenceWebhookDeliver jobs), served by the gateway process. */
  inferenceWorker: z.object({
    /** Jobs one gateway process runs at once; 0 turns the worker role off on this replica. */
    concurrency: z.coerce.number().int().min(0),
    /**
     * Lease of a running inference (?wait=true or job), renewed every third of it while the run
     * lasts: the reconciler re-runs a RUNNING row only once its lease has lapsed (its runner died).
     */
    runLeaseMs: z.coerce.number().int().min(1000),
    /** Inference reconciler: re-enqueues stuck inferences and deletes orphan staged inputs. */
    reconcile: z.object({
      /** Milliseconds between passes (one replica per interval); 0 disables. */
      intervalMs: z.coerce.number().int().min(0),
      /** Inferences and staged objects younger than this are left alone (a submit may be mid-way); running rows are guarded by their lease instead. */
      graceMs: positiveInt,
      /** Most inferences re-enqueued and most staged objects deleted in one pass. */
      batchSize: positiveInt,
    }),
  }),
  /** services/training-orchestrator: scheduling, leases, the local executor and retry budgets. */
  training: z.object({
    /** Milliseconds between scheduling passes (queued → running latency on an idle pool). */
    pollMs: positiveInt,
    /** A job's orchestrator renews its lease every third of this; another replica takes over once it lapses. */
    leaseMs: z.coerce.number().int().min(1000),
    /** Concurrent attempts the default local pool `cpu` runs (its capacity, set at start-up). */
    cpuPoolCapacity: positiveInt,
    /** Where the local executor keeps each attempt's working folder, output and exit record. */
    workDir: z.string().min(1),
    /** The Python that runs services/trainer (Debian's PyTorch). */
    python: z.string().min(1),
    /** A running job younger than this is never chosen as a preemption victim. */
    minRunSeconds: z.coerce.number().int().min(0),
    /** Attempts lost to node failures (crash, OOM, lost node) before the job fails. */
    nodeRetries: z.coerce.number().int().min(0),
    /** Backoff before a preempted or failed job is admitted again: base, doubled per retry up to max. */
    retryBackoffMs: z.coerce.number().int().min(0),
    retryBackoffMaxMs: z.coerce.number().int().min(0),
    /**
     * How long a job's validation, submission or evaluation waits out an unreachable object store
     * or database (retried with the backoff above) before the job fails: an outage is not the job's fault.
     */
    outageWaitSeconds: z.coerce.number().int().min(0),
    /** The operator's node pool file (JSON, NodePoolFileSchema): Slurm and Kubernetes pools registered at start. */
    nodePoolsFile: z.string().min(1).optional(),
    /**
     * S3 credentials for trainer processes this machine starts (validation, the local pool): a key
     * limited to the prefixes a trainer needs. Unset: they get the platform's own S3 credentials,
     * which also reach quarantine/ (raw uploads), and the orchestrator warns at start.
     */
    trainerS3AccessKeyId: z.string().min(1).optional(),
    trainerS3SecretAccessKey: z.string().min(1).optional(),
  }),
  /** Prometheus /metrics of the gateway and the deid-worker. */
  metrics: z.object({
    /**
     * Bearer token a scraper presents (compared in constant time). Unset: the gateway serves no
     * /metrics (404) outside development, and the worker's port stays on loopback.
     */
    token: z.string().min(32).optional(),
    /** Gauges read from Postgres or Redis at scrape time are refreshed at most this often (0: every scrape). */
    gaugeRefreshMs: z.coerce.number().int().min(0),
  }),
  webhooks: z.object({
    /**
     * Allow webhook URLs that resolve to loopback, private, link-local or other non-public
     * addresses (on-premises and development only: it re-opens server-side request forgery).
     */
    allowPrivateNetworks: bool,
  }),
  /** Bounds on what one upload may make the platform hold (STYLE.md 20): every expanding input has one. */
  ingest: z.object({
    maxInstanceBytes: positiveInt,
    maxRequestBytes: positiveInt,
    /** Largest data set a deflated-transfer-syntax instance may inflate to (checked while inflating). */
    maxInflatedBytes: positiveInt,
    /** Most entries (files and folders) one .zip upload may list. */
    maxArchiveEntries: positiveInt,
    /** Most bytes all entries of one .zip upload may inflate to together (checked while inflating). */
    maxArchiveBytes: positiveInt,
    /** Largest frame (Rows x Columns x SamplesPerPixel) a pixel decoder will allocate. */
    maxFramePixels: positiveInt,
    /** Folder where .zip uploads are spooled (swept of leftovers older than spoolMaxAgeMs). */
    spoolDir: z.string().min(1),
    spoolMaxAgeMs: positiveInt,
    /** Bytes of uploads one API key may have in flight at once (429 with Retry-After beyond). */
    keyBytesInFlight: positiveInt,
    /** Bytes of uploads one gateway process may have in flight at once, all keys together. */
    processBytesInFlight: positiveInt,
    /**
     * Instances waiting for or in de-identification, all organizations together, beyond which uploads
     * are refused (503 + Retry-After) until the workers catch up: the backlog is raw PHI in quarantine.
     */
    maxBacklog: positiveInt,
    /** The same for one organization (429 + Retry-After), so one tenant's burst cannot fill the platform's. */
    maxOrgBacklog: positiveInt,
  }),
  models: z.object({
    /** Largest model bundle, compressed and inflated (checked while inflating a .tar.gz). */
    maxBundleBytes: positiveInt,
  }),
  /** The medgrade CLI as a client of a gateway (`medgrade login`, `upload`, `studies`, `infer`). */
  client: z.object({
    /** Gateway URL; overrides the one `medgrade login` stored. */
    url: z.url().optional(),
    /** API key; overrides the one `medgrade login` stored. */
    apiKey: z.string().min(1).optional(),
    /** Where `medgrade login` stores the URL and key (mode 0600). */
    configFile: z.string().min(1),
  }),
  /** POST /v1/datasets/{id}/labels: largest JSON Lines body and most rows in one request. */
  datasets: z.object({ maxLabelBytes: positiveInt, maxLabelRows: positiveInt }),
  secrets: z.object({
    /** 32-byte key (base64 or 64 hex chars) that encrypts each project's HMAC secret. */
    projectSecretKey: z.string().min(1),
    /** 32-byte key (base64 or 64 hex chars) of the audit chain anchor's HMAC; absent: derived from projectSecretKey. */
    auditAnchorKey: z.string().min(1).optional(),
    /** The anchor key before a rotation (same form): /v1/audit/verify also accepts anchors it signed. */
    auditAnchorKeyPrevious: z.string().min(1).optional(),
  }),
});

/** The environment as the schema parses it, before loadConfig adds the decoded secrets. */
export type ParsedConfig = z.infer<typeof ConfigSchema>;

/** The typed configuration every service receives; the project-secret key is decoded once, here. */
export type Config = Omit<ParsedConfig, 'secrets'> & {
  secrets: ParsedConfig['secrets'] & {
    /** PROJECT_SECRET_KEY decoded to its 32 bytes (encrypts each project's HMAC secret, seals webhook targets). */
    projectSecretKeyBytes: Buffer;
    /** The audit chain anchor's HMAC key (AUDIT_ANCHOR_KEY, or derived from PROJECT_SECRET_KEY). */
    auditAnchorKeyBytes: Buffer;
    /** AUDIT_ANCHOR_KEY_PREVIOUS decoded, while a key rotation is under way. */
    auditAnchorKeyPreviousBytes?: Buffer;
  };
};
