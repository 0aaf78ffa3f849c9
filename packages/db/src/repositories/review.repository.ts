// Instances held for burned-in review (REJECTED BURNED_IN_REVIEW with their raw object kept) and the
// reviewer's decision. Every method takes the caller's tenant scope and ANDs it (withinTenant), so an
// instance of another project or organization is never listed nor decided ("not-found"). A decision
// is one conditional UPDATE from the review state, in one transaction with the caller's audit event:
// of two reviewers (or a reviewer and the retention sweep's expiry) exactly one wins, the other sees
// "decided".
import { Prisma, type PrismaClient } from '../generated/prisma/client.ts';
import { withinTenant, type TenantScope } from '../tenant.scope.ts';
import type { InTransaction } from './project.repository.ts';

/** errorCode of an instance awaiting burned-in review (the deid-worker's BURNED_IN_REVIEW). */
export const REVIEW_PENDING_CODE = 'BURNED_IN_REVIEW';
/** errorCode of an instance whose review ended in a rejection. */
export const REVIEW_REJECTED_CODE = 'REVIEW_REJECTED';
/** errorCode of an instance whose review nobody decided in time (the retention sweep deleted its raw upload). */
export const REVIEW_EXPIRED_CODE = 'REVIEW_EXPIRED';
/** The partial unique index that holds one live instance per de-identified SOP Instance UID in a project. */
export const LIVE_SOP_INDEX = 'Instance_live_sop_key';

/** True for a unique violation of the live-SOP index (raw statements report P2010, Prisma's own P2002). */
export function isLiveSopConflict(error: unknown): boolean {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return false;
  if (error.code !== 'P2002' && error.code !== 'P2010') return false;
  return `${error.message} ${JSON.stringify(error.meta ?? {})}`.includes(LIVE_SOP_INDEX);
}

/** An instance awaiting review, as a reviewer's list shows it (ids and coded facts only). */
export interface ReviewItem {
  id: string;
  projectId: string;
  uploadId: string | null;
  sopClassUid: string | null;
  createdAt: Date;
}

/** The outcome of a decision: its row, or why there is none. */
export type ReviewDecision<T> = { ok: true; row: T } | { ok: false; reason: 'not-found' | 'decided' | 'sop-taken' };

/** The instance a decision changed. */
export interface DecidedInstance {
  id: string;
  orgId: string;
  projectId: string;
  quarantineKey: string | null;
}

const PENDING = { status: 'REJECTED', errorCode: REVIEW_PENDING_CODE, quarantineKey: { not: null } } as const;
const DECIDED_SELECT = { id: true, orgId: true, projectId: true, quarantineKey: true } as const;

/** Burned-in reviews of the scope. */
export class ReviewRepository {
  readonly #prisma: PrismaClient;

  constructor(prisma: PrismaClient) {
    this.#prisma = prisma;
  }

  /** A page of the scope's instances awaiting review, oldest upload first, after `after` (the previous page's last item). */
  list(scope: TenantScope, page: { limit: number; projectId?: string | undefined; after?: { createdAt: Date; id: string } | undefined }): Promise<ReviewItem[]> {
    const after = page.after ? { OR: [{ createdAt: { gt: page.after.createdAt } }, { createdAt: page.after.createdAt, id: { gt: page.after.id } }] } : {};
    return this.#prisma.instance.findMany({
      where: withinTenant(scope, { AND: [PENDING, page.projectId ? { projectId: page.projectId } : {}, after] }),
      select: { id: true, projectId: true, uploadId: true, sopClassUid: true, createdAt: true },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      take: page.limit,
    });
  }

  /**
   * The raw object of a pending review, for the reviewer to look at: "not-found" outside the scope,
   * "decided" once it was decided or expired (its raw upload then goes).
   */
  async held(scope: TenantScope, id: string): Promise<ReviewDecision<{ projectId: string; quarantineKey: string }>> {
    const row = await this.#prisma.instance.findFirst({ where: withinTenant(scope, { id }), select: { projectId: true, status: true, errorCode: true, quarantineKey: true } });
    if (!row) return { ok: false, reason: 'not-found' };
    if (row.status !== PENDING.status || row.errorCode !== PENDING.errorCode || !row.quarantineKey) return { ok: false, reason: 'decided' };
    return { ok: true, row: { projectId: row.projectId, quarantineKey: row.quarantineKey } };
  }

  /**
   * Approves a pending review: the instance goes back to RECEIVED with the reviewer's key id, so
   * the deid-worker de-identifies it keeping the pixel data (re-enqueue it after this returns).
   * "sop-taken": another live instance of the project holds its SOP Instance UID (uploaded since).
   */
  async approve(scope: TenantScope, id: string, reviewer: string, record: InTransaction<DecidedInstance>): Promise<ReviewDecision<DecidedInstance>> {
    try {
      return await this.#decide(scope, id, { status: 'RECEIVED', errorCode: null, burnedInApprovedBy: reviewer }, record);
    } catch (error) {
      if (isLiveSopConflict(error)) return { ok: false, reason: 'sop-taken' };
      throw error;
    }
  }

  /** Rejects a pending review: REJECTED REVIEW_REJECTED; the caller deletes the raw object, then forgets its key. */
  reject(scope: TenantScope, id: string, record: InTransaction<DecidedInstance>): Promise<ReviewDecision<DecidedInstance>> {
    return this.#decide(scope, id, { errorCode: REVIEW_REJECTED_CODE }, record);
  }

  /** Clears the quarantine key of a decided instance once its raw object is gone. */
  async forgetRaw(scope: TenantScope, id: string): Promise<void> {
    await this.#prisma.instance.updateMany({ where: withinTenant(scope, { id, status: 'REJECTED', errorCode: REVIEW_REJECTED_CODE }), data: { quarantineKey: null } });
  }

  async #decide(scope: TenantScope, id: string, data: Prisma.InstanceUpdateManyMutationInput, record: InTransaction<DecidedInstance>): Promise<ReviewDecision<DecidedInstance>> {
    return this.#prisma.$transaction(async (tx) => {
      const row = await tx.instance.findFirst({ where: withinTenant(scope, { id }), select: DECIDED_SELECT });
      if (!row) return { ok: false, reason: 'not-found' };
      const changed = await tx.instance.updateMany({ where: { AND: [{ id }, PENDING] }, data });
      if (changed.count === 0) return { ok: false, reason: 'decided' };
      await record(tx, row);
      return { ok: true, row };
    });
  }
}
