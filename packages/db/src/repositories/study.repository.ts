// De-identified studies. Every method takes the caller's tenant scope and ANDs it (withinTenant),
// so a filter can narrow what a key sees but never widen it.
import type { Prisma, PrismaClient, Series, Study } from '../generated/prisma/client.ts';
import { withinTenant, type TenantScope } from '../tenant.scope.ts';

const SERIES_ORDER: Prisma.SeriesOrderByWithRelationInput[] = [{ seriesNumber: { sort: 'asc', nulls: 'last' } }, { seriesInstanceUid: 'asc' }];

/** Studies of the scope. */
export class StudyRepository {
  readonly #prisma: PrismaClient;

  constructor(prisma: PrismaClient) {
    this.#prisma = prisma;
  }

  /** Studies of the scope matching `where`, in `orderBy`, at most `take`. */
  find(scope: TenantScope, args: { where: Prisma.StudyWhereInput; orderBy: Prisma.StudyOrderByWithRelationInput[]; take: number }): Promise<Study[]> {
    return this.#prisma.study.findMany({ where: withinTenant(scope, args.where), orderBy: args.orderBy, take: args.take });
  }

  /** A study of the scope with its series (by number, then UID), or null. */
  withSeries(scope: TenantScope, id: string): Promise<(Study & { series: Series[] }) | null> {
    return this.#prisma.study.findFirst({ where: withinTenant(scope, { id }), include: { series: { orderBy: SERIES_ORDER } } });
  }

  /** The identity of a study of the scope (for deletion), or null. */
  ref(scope: TenantScope, id: string): Promise<{ id: string; projectId: string; studyInstanceUid: string } | null> {
    return this.#prisma.study.findFirst({ where: withinTenant(scope, { id }), select: { id: true, projectId: true, studyInstanceUid: true } });
  }
}
