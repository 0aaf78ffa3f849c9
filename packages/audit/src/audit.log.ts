import type { AuditEvent, Prisma, PrismaClient } from '@medgrade/db';
import { GENESIS_HASH, hashEvent } from './audit.hash.ts';

type Db = PrismaClient | Prisma.TransactionClient;

/** What a caller records; the chain fields are computed here. `details` must never hold PHI. */
export interface AuditInput {
  orgId: string;
  actor: string;
  action: string;
  resourceType: string;
  resourceId?: string | null;
  requestId?: string | null;
  details?: Record<string, unknown>;
}

export interface AuditFilter {
  action?: string;
  resourceType?: string;
  resourceId?: string;
  actor?: string;
  since?: Date;
  until?: Date;
}

export interface Verification {
  intact: boolean;
  checked: number;
  firstBroken: { seq: bigint; reason: 'hash_mismatch' | 'chain_break'; message: string } | null;
}

const VERIFY_BATCH = 1000;

/**
 * Append-only, hash-chained audit log, one chain per organization. Appends to a chain are
 * serialized by a transaction-scoped Postgres advisory lock on the organization, so concurrent
 * writers (any number of processes) never fork the chain: each reads the head and inserts while
 * holding the lock, and the lock is released only at commit.
 */
export class AuditLog {
  readonly #prisma: PrismaClient;
  readonly #now: () => Date;

  constructor(prisma: PrismaClient, options: { now?: () => Date } = {}) {
    this.#prisma = prisma;
    this.#now = options.now ?? (() => new Date());
  }

  /** Append an event. Pass `tx` to commit it atomically with the change it records. */
  async append(input: AuditInput, tx?: Prisma.TransactionClient): Promise<AuditEvent> {
    if (tx) return this.#appendIn(tx, input);
    return this.#prisma.$transaction((t) => this.#appendIn(t, input));
  }

  async #appendIn(tx: Prisma.TransactionClient, input: AuditInput): Promise<AuditEvent> {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${input.orgId}, 7))`;
    const head = await tx.auditEvent.findFirst({ where: { orgId: input.orgId }, orderBy: { seq: 'desc' }, select: { hash: true } });
    const fields = {
      orgId: input.orgId,
      actor: input.actor,
      action: input.action,
      resourceType: input.resourceType,
      resourceId: input.resourceId ?? null,
      requestId: input.requestId ?? null,
      details: input.details ?? {},
      prevHash: head?.hash ?? GENESIS_HASH,
      // Millisecond precision: exactly what timestamptz(3) stores, so the hash re-computes.
      createdAt: new Date(this.#now().getTime()),
    };
    return tx.auditEvent.create({ data: { ...fields, details: fields.details as Prisma.InputJsonObject, hash: hashEvent(fields) } });
  }

  /** Events of an organization, oldest first, after `afterSeq`. */
  async list(orgId: string, filter: AuditFilter, page: { limit: number; afterSeq?: bigint }, db: Db = this.#prisma): Promise<AuditEvent[]> {
    return db.auditEvent.findMany({
      where: {
        orgId,
        action: filter.action,
        resourceType: filter.resourceType,
        resourceId: filter.resourceId,
        actor: filter.actor,
        createdAt: { gte: filter.since, lte: filter.until },
        ...(page.afterSeq !== undefined ? { seq: { gt: page.afterSeq } } : {}),
      },
      orderBy: { seq: 'asc' },
      take: page.limit,
    });
  }

  /** Every matching event, streamed in batches (for JSON-lines export). */
  async *stream(orgId: string, filter: AuditFilter): AsyncGenerator<AuditEvent> {
    let afterSeq: bigint | undefined;
    for (;;) {
      const batch = await this.list(orgId, filter, { limit: VERIFY_BATCH, afterSeq });
      yield* batch;
      if (batch.length < VERIFY_BATCH) return;
      afterSeq = batch.at(-1)!.seq;
    }
  }

  /** Re-compute the organization's chain; reports the first event whose hash or link is wrong. */
  async verify(orgId: string): Promise<Verification> {
    let prevHash = GENESIS_HASH;
    let checked = 0;
    for await (const event of this.stream(orgId, {})) {
      checked++;
      if (event.prevHash !== prevHash) {
        return { intact: false, checked, firstBroken: { seq: event.seq, reason: 'chain_break', message: 'prevHash does not match the previous event: an event was removed, inserted or reordered' } };
      }
      if (hashEvent(event) !== event.hash) {
        return { intact: false, checked, firstBroken: { seq: event.seq, reason: 'hash_mismatch', message: 'the event content does not match its hash: it was modified' } };
      }
      prevHash = event.hash;
    }
    return { intact: true, checked, firstBroken: null };
  }
}
