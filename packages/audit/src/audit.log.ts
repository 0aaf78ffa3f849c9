import { tenantCondition, type AuditEvent, type Prisma, type PrismaClient, type TenantScope } from '@medgrade/db';
import { GENESIS_HASH, hashEvent, type HashedEventFields } from './audit.hash.ts';

type Db = PrismaClient | Prisma.TransactionClient;

/** What a caller records; the chain fields are computed here. `details` must never hold PHI. */
export interface AuditInput {
  orgId: string;
  /** The project the event concerns; null/absent for organization-level events. */
  projectId?: string | null;
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
    await this.#lock(tx, input.orgId);
    const fields = this.#fields(input, await this.#head(tx, input.orgId));
    return tx.auditEvent.create({ data: { ...fields, details: fields.details as Prisma.InputJsonObject, hash: hashEvent(fields) } });
  }

  /**
   * Append several events inside `tx` (for one change that records many, such as a batch of
   * instances committed together): one lock and one head read per organization, one INSERT.
   * Events of one organization chain in the order given.
   */
  async appendMany(inputs: readonly AuditInput[], tx: Prisma.TransactionClient): Promise<void> {
    if (inputs.length === 0) return;
    const orgs = [...new Set(inputs.map((i) => i.orgId))].sort();
    const heads = new Map<string, string>();
    // Sorted, so two batches spanning the same organizations take their locks in one order.
    for (const org of orgs) {
      await this.#lock(tx, org);
      heads.set(org, await this.#head(tx, org));
    }
    const rows = inputs.map((input) => {
      const fields = this.#fields(input, heads.get(input.orgId) ?? GENESIS_HASH);
      const hash = hashEvent(fields);
      heads.set(input.orgId, hash);
      return { ...fields, createdAt: fields.createdAt.toISOString(), hash };
    }).map((row, i) => ({ ...row, i }));
    // One INSERT, rows read from a jsonb parameter in their order (ORDER BY i), so the
    // sequence numbers follow the chain. Prisma's createMany would cost ~0.6 ms of CPU per row.
    await tx.$executeRaw`
      INSERT INTO "AuditEvent" ("orgId", "projectId", "actor", "action", "resourceType", "resourceId", "requestId", "details", "prevHash", "hash", "createdAt")
      SELECT x."orgId", x."projectId", x."actor", x."action", x."resourceType", x."resourceId", x."requestId", x."details", x."prevHash", x."hash", x."createdAt"
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS x("orgId" uuid, "projectId" uuid, "actor" text, "action" text, "resourceType" text,
           "resourceId" text, "requestId" text, "details" jsonb, "prevHash" text, "hash" text, "createdAt" timestamptz, "i" int)
      ORDER BY x."i"`;
  }

  async #lock(tx: Prisma.TransactionClient, orgId: string): Promise<void> {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${orgId}, 7))`;
  }

  async #head(tx: Prisma.TransactionClient, orgId: string): Promise<string> {
    const head = await tx.auditEvent.findFirst({ where: { orgId }, orderBy: { seq: 'desc' }, select: { hash: true } });
    return head?.hash ?? GENESIS_HASH;
  }

  #fields(input: AuditInput, prevHash: string): HashedEventFields {
    return {
      orgId: input.orgId,
      projectId: input.projectId ?? null,
      actor: input.actor,
      action: input.action,
      resourceType: input.resourceType,
      resourceId: input.resourceId ?? null,
      requestId: input.requestId ?? null,
      details: input.details ?? {},
      prevHash,
      // Millisecond precision: exactly what timestamptz(3) stores, so the hash re-computes.
      createdAt: new Date(this.#now().getTime()),
    };
  }

  /**
   * Events of an organization (an organization id), or of one project of it (a scope with a
   * projectId: that project's events only), oldest first, after `afterSeq`.
   */
  async list(scope: string | TenantScope, filter: AuditFilter, page: { limit: number; afterSeq?: bigint }, db: Db = this.#prisma): Promise<AuditEvent[]> {
    const tenant = tenantCondition(typeof scope === 'string' ? { orgId: scope } : scope);
    return db.auditEvent.findMany({
      where: {
        AND: [tenant, {
          action: filter.action,
          resourceType: filter.resourceType,
          resourceId: filter.resourceId,
          actor: filter.actor,
          createdAt: { gte: filter.since, lte: filter.until },
          ...(page.afterSeq !== undefined ? { seq: { gt: page.afterSeq } } : {}),
        }],
      },
      orderBy: { seq: 'asc' },
      take: page.limit,
    });
  }

  /** Every matching event, streamed in batches (for JSON-lines export). */
  async *stream(scope: string | TenantScope, filter: AuditFilter): AsyncGenerator<AuditEvent> {
    let afterSeq: bigint | undefined;
    for (;;) {
      const batch = await this.list(scope, filter, { limit: VERIFY_BATCH, afterSeq });
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
