// Inference rows as their caller creates and reads them back. Every read takes the caller's tenant
// scope and ANDs it (withinTenant), so another project's or organization's inference is simply not found.
import type { Inference, Prisma, PrismaClient } from '../generated/prisma/client.ts';
import { withinTenant, type TenantScope } from '../tenant.scope.ts';

/** A new inference as the gateway accepts it: QUEUED, or RUNNING under the accepting request's lease. */
export interface InferenceCreate {
  id: string;
  orgId: string;
  projectId: string | null;
  modelVersionId: string;
  createdBy: string;
  /** What the run needs (models, inputs, sealed webhook target): ids and keys, never PHI. */
  request: Prisma.InputJsonValue;
  /** Set when the accepting request runs it at once (?wait=true). */
  running?: { leaseExpiresAt: Date } | undefined;
}

/** Inferences of the scope. */
export class InferenceRepository {
  readonly #prisma: PrismaClient;

  constructor(prisma: PrismaClient) {
    this.#prisma = prisma;
  }

  /** An inference of the scope, or null. */
  get(scope: TenantScope, id: string): Promise<Inference | null> {
    return this.#prisma.inference.findFirst({ where: withinTenant(scope, { id }) });
  }

  /** Inserts the row (the caller has resolved the scope's models and inputs). */
  create(row: InferenceCreate): Promise<Inference> {
    const { running, ...data } = row;
    return this.#prisma.inference.create({ data: { ...data, ...(running ? { status: 'RUNNING' as const, leaseExpiresAt: running.leaseExpiresAt } : {}) } });
  }
}
