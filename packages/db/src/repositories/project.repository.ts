// Projects of an organization. Every method takes the caller's tenant scope: a project-limited key
// sees only its own project, an organization key its organization's. Writes run in one transaction
// with the caller's `record` (its audit event), so the change and its audit land together or not at all.
import type { BurnedInPolicy, Prisma, PrismaClient, Project } from '../generated/prisma/client.ts';
import type { TenantScope } from '../tenant.scope.ts';

/** Called inside a write's transaction with the written row (append the audit event there). */
export type InTransaction<T> = (tx: Prisma.TransactionClient, row: T) => Promise<void>;

export interface ProjectCreate {
  slug: string;
  name: string;
  burnedInPolicy?: BurnedInPolicy | undefined;
  secretCiphertext: Uint8Array<ArrayBuffer>;
}

export interface DeidProfileRow {
  deidOptions: Prisma.JsonValue;
  burnedInPolicy: BurnedInPolicy;
}

/** The projects a scope may see, optionally the one with `id`. */
function projectWhere(scope: TenantScope, id?: string): Prisma.ProjectWhereInput {
  return { AND: [{ orgId: scope.orgId }, scope.projectId ? { id: scope.projectId } : {}, id ? { id } : {}] };
}

/** Projects of the scope. */
export class ProjectRepository {
  readonly #prisma: PrismaClient;

  constructor(prisma: PrismaClient) {
    this.#prisma = prisma;
  }

  /** Whether `id` is a project of the scope. */
  async exists(scope: TenantScope, id: string): Promise<boolean> {
    return (await this.#prisma.project.findFirst({ where: projectWhere(scope, id), select: { id: true } })) !== null;
  }

  /** A page of the scope's projects by id, after `cursor`. */
  list(scope: TenantScope, page: { limit: number; cursor?: string | undefined }): Promise<Project[]> {
    const where = { AND: [projectWhere(scope), page.cursor ? { id: { gt: page.cursor } } : {}] };
    return this.#prisma.project.findMany({ where, orderBy: { id: 'asc' }, take: page.limit });
  }

  /** A project of the scope, or null. */
  get(scope: TenantScope, id: string): Promise<Project | null> {
    return this.#prisma.project.findFirst({ where: projectWhere(scope, id) });
  }

  /** A new project of the scope's organization (a unique-slug clash throws Prisma's P2002). */
  create(scope: TenantScope, data: ProjectCreate, record: InTransaction<Project>): Promise<Project> {
    return this.#prisma.$transaction(async (tx) => {
      const created = await tx.project.create({ data: { ...data, orgId: scope.orgId } });
      await record(tx, created);
      return created;
    });
  }

  /** Updates a project of the scope; null when it is not one. */
  update(scope: TenantScope, id: string, data: Prisma.ProjectUpdateInput, record: InTransaction<Project>): Promise<Project | null> {
    return this.#prisma.$transaction(async (tx) => {
      const found = await tx.project.findFirst({ where: projectWhere(scope, id), select: { id: true } });
      if (!found) return null;
      const updated = await tx.project.update({ where: { id: found.id }, data });
      await record(tx, updated);
      return updated;
    });
  }

  /** A project's stored de-identification options and burned-in policy, or null. */
  deidProfile(scope: TenantScope, id: string): Promise<DeidProfileRow | null> {
    return this.#prisma.project.findFirst({ where: projectWhere(scope, id), select: { deidOptions: true, burnedInPolicy: true } });
  }

  /** Replaces a project's profile with `change(stored)`, atomically with `record`; null when not the scope's. */
  updateDeidProfile<P extends { deidOptions: Prisma.InputJsonObject; burnedInPolicy: BurnedInPolicy }>(
    scope: TenantScope, id: string, change: (stored: DeidProfileRow) => P, record: InTransaction<P & { id: string }>,
  ): Promise<P | null> {
    return this.#prisma.$transaction(async (tx) => {
      const found = await tx.project.findFirst({ where: projectWhere(scope, id), select: { id: true, deidOptions: true, burnedInPolicy: true } });
      if (!found) return null;
      const next = change(found);
      await tx.project.update({ where: { id: found.id }, data: { deidOptions: next.deidOptions, burnedInPolicy: next.burnedInPolicy } });
      await record(tx, { ...next, id: found.id });
      return next;
    });
  }
}
