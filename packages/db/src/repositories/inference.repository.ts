// Inference rows as their caller reads them back. Every read takes the caller's tenant scope and
// ANDs it (withinTenant), so another project's or organization's inference is simply not found.
import type { Inference, PrismaClient } from '../generated/prisma/client.ts';
import { withinTenant, type TenantScope } from '../tenant.scope.ts';

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
}
