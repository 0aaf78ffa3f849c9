// The caller's own organization. A key belongs to exactly one, so every method takes its scope and
// answers only for `scope.orgId`: another organization's id is simply not found.
import type { Organization, PrismaClient } from '../generated/prisma/client.ts';
import type { TenantScope } from '../tenant.scope.ts';
import type { InTransaction } from './project.repository.ts';

/** The scope's organization. */
export class OrganizationRepository {
  readonly #prisma: PrismaClient;

  constructor(prisma: PrismaClient) {
    this.#prisma = prisma;
  }

  /** The scope's organization, or null when `id` names another one. */
  get(scope: TenantScope, id: string = scope.orgId): Promise<Organization | null> {
    if (id !== scope.orgId) return Promise.resolve(null);
    return this.#prisma.organization.findUniqueOrThrow({ where: { id } });
  }

  /** Renames the scope's organization atomically with `record`; null when `id` names another one. */
  rename(scope: TenantScope, id: string, name: string, record: InTransaction<Organization>): Promise<Organization | null> {
    if (id !== scope.orgId) return Promise.resolve(null);
    return this.#prisma.$transaction(async (tx) => {
      const updated = await tx.organization.update({ where: { id }, data: { name } });
      await record(tx, updated);
      return updated;
    });
  }
}
