import type { Config } from '@medgrade/config';
import type { PrismaClient } from '@medgrade/db';
import type { Redis } from 'ioredis';
import type { FastifyBaseLogger } from 'fastify';
import type { JOB_CATALOG } from '@medgrade/contracts';
import type { JobProducer } from '@medgrade/queue';
import type { ObjectStore } from '@medgrade/storage';
import type { InferenceServiceClient } from '@medgrade/inference-runs';
import type { ReadinessCheck } from '@medgrade/service';

export type { ReadinessCheck };

/**
 * Everything the gateway needs from outside, built by main.ts (or a test) and passed in. The app
 * never opens connections itself, so tests inject real adapters pointing at their own databases.
 * Routes never use `prisma` themselves: app.ts builds the repositories (`app.repos`) and the model
 * registry (`app.registry`) over it once. An optional adapter's routes answer 503 without it.
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
  /** The one client of services/inference (study inference and the /v2 passthrough), built by main.ts. */
  inference: InferenceServiceClient;
  /** Extra readiness checks beyond Postgres and Redis (e.g. the object store). */
  readinessChecks?: ReadinessCheck[];
}
