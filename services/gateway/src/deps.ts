import type { Config } from '@medgrade/config';
import type { PrismaClient } from '@medgrade/db';
import type { Redis } from 'ioredis';
import type { FastifyBaseLogger } from 'fastify';
import type { JOB_CATALOG } from '@medgrade/contracts';
import type { JobProducer } from '@medgrade/queue';
import type { ObjectStore } from '@medgrade/storage';
import type { InferenceClient } from './inference/inference.client.ts';

/** One dependency /health/ready checks; `check` resolves when healthy and throws otherwise. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

/**
 * Everything the gateway needs from outside, built by main.ts (or a test) and passed in. The app
 * never opens connections itself, so tests inject real adapters pointing at their own databases.
 * Add new adapters (object store, queues, inference client) here as optional fields.
 */
export interface GatewayDeps {
  config: Config;
  prisma: PrismaClient;
  redis: Redis;
  /** pino logger; omitted in tests for silence. */
  logger?: FastifyBaseLogger;
  /** Object store for raw uploads (quarantine/) and de-identified objects (deid/); ingest routes answer 503 without it. */
  store?: ObjectStore;
  /** Job producer (BullMQ) for the job catalog; ingest routes answer 503 without it. */
  jobs?: JobProducer<typeof JOB_CATALOG>;
  /** Client of services/inference; defaults to HTTP at config.inference.url with the service token. */
  inference?: InferenceClient;
  /** Extra readiness checks beyond Postgres and Redis (e.g. the object store). */
  readinessChecks?: ReadinessCheck[];
}
