// De-identified instances as inputs (inference). Every method takes the caller's tenant scope and
// ANDs it (withinTenant), so an instance or study of another project or organization is not found.
import type { PrismaClient } from '../generated/prisma/client.ts';
import { withinTenant, type TenantScope } from '../tenant.scope.ts';

/** An instance's stored object and status. */
export interface InstanceObject {
  id: string;
  objectKey: string | null;
  status: string;
}

const OBJECT_SELECT = { id: true, objectKey: true, status: true } as const;

/** Instances of the scope. */
export class InstanceRepository {
  readonly #prisma: PrismaClient;

  constructor(prisma: PrismaClient) {
    this.#prisma = prisma;
  }

  /** The instances of a study of the scope, oldest first; null when the study is not the scope's. */
  async ofStudy(scope: TenantScope, studyId: string): Promise<InstanceObject[] | null> {
    const study = await this.#prisma.study.findFirst({ where: withinTenant(scope, { id: studyId }), select: { id: true } });
    if (!study) return null;
    return this.#prisma.instance.findMany({ where: withinTenant(scope, { series: { studyId: study.id } }), select: OBJECT_SELECT, orderBy: { createdAt: 'asc' } });
  }

  /** Those of `ids` that are the scope's, in no particular order. */
  byIds(scope: TenantScope, ids: readonly string[]): Promise<InstanceObject[]> {
    return this.#prisma.instance.findMany({ where: withinTenant(scope, { id: { in: [...ids] } }), select: OBJECT_SELECT });
  }
}
