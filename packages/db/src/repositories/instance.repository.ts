// De-identified instances as inputs (inference) and as WADO-RS objects. Every read takes the
// caller's tenant scope and ANDs it (withinTenant), so an instance or study of another project or
// organization is not found; only the metrics count (countByStatus) spans every organization.
import type { InstanceStatus, PrismaClient } from '../generated/prisma/client.ts';
import { withinTenant, type TenantScope } from '../tenant.scope.ts';

/** An instance's stored object and status. */
export interface InstanceObject {
  id: string;
  objectKey: string | null;
  status: string;
}

/** A READY instance's object and its three UIDs (what WADO-RS retrieves). */
export interface InstanceLocation {
  objectKey: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  sopInstanceUid: string;
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

  /**
   * READY instances of the scope under a study (and series, and instance), one per SOP Instance
   * UID, by series then instance UID. Within a project the live-SOP index (Instance_live_sop_key)
   * allows one READY row per UID; an organization-wide key can still see one UID in two projects
   * that retain UIDs, and then gets the one stored first rather than two objects under one identity.
   */
  async readyObjects(scope: TenantScope, uids: { study: string; series?: string | undefined; sop?: string | undefined }): Promise<InstanceLocation[]> {
    const rows = await this.#prisma.instance.findMany({
      where: withinTenant(scope, {
        status: 'READY' as const, studyInstanceUid: uids.study,
        ...(uids.series ? { seriesInstanceUid: uids.series } : {}), ...(uids.sop ? { sopInstanceUid: uids.sop } : {}),
      }),
      orderBy: [{ seriesInstanceUid: 'asc' }, { sopInstanceUid: 'asc' }, { createdAt: 'asc' }],
      distinct: ['sopInstanceUid'],
      select: { objectKey: true, studyInstanceUid: true, seriesInstanceUid: true, sopInstanceUid: true },
    });
    return rows.filter((r): r is InstanceLocation => !!(r.objectKey && r.studyInstanceUid && r.seriesInstanceUid && r.sopInstanceUid));
  }

  /** How many instances each status holds, across every organization (operations metrics only). */
  async countByStatus(): Promise<{ status: InstanceStatus; count: number }[]> {
    const rows = await this.#prisma.instance.groupBy({ by: ['status'], _count: { _all: true } });
    return rows.map((r) => ({ status: r.status, count: r._count._all }));
  }
}
