// Run leases: one run per inference unless its runner died. A runner holds its RUNNING row's
// lease (`leaseExpiresAt`) and renews it every third of the lease while it works; the reconciler
// re-runs a QUEUED/RUNNING row only once the lease has lapsed, and an InferenceRun job that finds
// the lease held leaves the row to its holder. A ?wait=true row is inserted RUNNING with its lease
// (no extra round trip); a job claims its row with one conditional update. Only a run longer than
// a third of the lease writes renewals. Times come from this process's clock: replicas' clocks
// must agree to well within the lease (NTP does).
import type { PrismaClient } from '@medgrade/db';
import type { RunLog } from './run.types.ts';

/** What holding a lease needs. */
export interface LeaseContext {
  prisma: PrismaClient;
  /** INFERENCE_RUN_LEASE_MS. */
  leaseMs: number;
  log: RunLog;
}

/** The end of a lease taken at `now`. */
export function leaseUntil(leaseMs: number, now = Date.now()): Date {
  return new Date(now + leaseMs);
}

/**
 * Takes the row for this runner: QUEUED, or RUNNING with a lapsed lease (or none, as rows from
 * before leases). False when a live runner holds it or it is final.
 */
export async function claimRun(ctx: Pick<LeaseContext, 'prisma' | 'leaseMs'>, id: string): Promise<boolean> {
  const now = new Date();
  const { count } = await ctx.prisma.inference.updateMany({
    where: { id, OR: [{ status: 'QUEUED' }, { status: 'RUNNING', OR: [{ leaseExpiresAt: null }, { leaseExpiresAt: { lte: now } }] }] },
    data: { status: 'RUNNING', leaseExpiresAt: leaseUntil(ctx.leaseMs, now.getTime()) },
  });
  return count === 1;
}

/** Puts a row whose job will try again back to QUEUED without a lease, so the next attempt can claim it. */
export async function releaseRun(prisma: PrismaClient, id: string): Promise<void> {
  await prisma.inference.updateMany({ where: { id, status: 'RUNNING' }, data: { status: 'QUEUED', leaseExpiresAt: null } });
}

/**
 * Runs `work` while renewing the row's lease every third of it. A failed renewal is logged and
 * the next one tries again: two may fail before the lease lapses.
 */
export async function whileLeased<T>(ctx: LeaseContext, id: string, work: () => Promise<T>): Promise<T> {
  const renew = (): void => {
    ctx.prisma.inference.updateMany({ where: { id, status: 'RUNNING' }, data: { leaseExpiresAt: leaseUntil(ctx.leaseMs) } })
      .catch((error: unknown) => ctx.log.warn({ inferenceId: id, code: (error as { code?: string }).code }, 'could not renew an inference run lease'));
  };
  const timer = setInterval(renew, Math.max(1, Math.floor(ctx.leaseMs / 3)));
  // The run itself keeps the process busy; the renewals must not keep it alive on their own.
  timer.unref();
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
