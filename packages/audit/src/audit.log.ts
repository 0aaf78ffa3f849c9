import { tenantCondition, type AuditEvent, type Prisma, type PrismaClient, type TenantScope } from '@medgrade/db';
import { anchorMatches, writeAnchor } from './audit.anchor.ts';
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
  firstBroken: { seq: bigint; reason: 'hash_mismatch' | 'chain_break' | 'anchor_mismatch' | 'anchor_missing'; message: string } | null;
}

export interface AuditLogOptions {
  /** AUDIT_ANCHOR_KEY bytes: needed to append (each append re-anchors the head) and to verify. */
  anchorKey?: Buffer;
  /** AUDIT_ANCHOR_KEY_PREVIOUS bytes: verify also accepts an anchor this key signed (a rotation in progress). */
  previousAnchorKey?: Buffer;
  now?: () => Date;
}

const VERIFY_BATCH = 1000;
// verify reads a whole chain in one snapshot; a long chain may take a while, and it only reads.
const VERIFY_TIMEOUT_MS = 10 * 60_000;

/**
 * Append-only, hash-chained audit log, one chain per organization. Appends to a chain are
 * serialized by a transaction-scoped Postgres advisory lock on the organization, so concurrent
 * writers (any number of processes) never fork the chain: each reads the head and inserts while
 * holding the lock, and the lock is released only at commit. Each append also moves the
 * organization's keyed anchor (audit.anchor.ts) to the new head in the same transaction.
 */
export class AuditLog {
  readonly #prisma: PrismaClient;
  readonly #now: () => Date;
  readonly #anchorKey: Buffer | undefined;
  readonly #previousAnchorKey: Buffer | undefined;

  constructor(prisma: PrismaClient, options: AuditLogOptions = {}) {
    this.#prisma = prisma;
    this.#now = options.now ?? (() => new Date());
    this.#anchorKey = options.anchorKey;
    this.#previousAnchorKey = options.previousAnchorKey;
  }

  // Reading needs no key; appending and verifying do (an unanchored append would break the chain's proof).
  #key(): Buffer {
    if (!this.#anchorKey) throw new Error('AuditLog needs options.anchorKey (config.secrets.auditAnchorKeyBytes) to append or verify');
    return this.#anchorKey;
  }

  /** Append an event. Pass `tx` to commit it atomically with the change it records. */
  async append(input: AuditInput, tx?: Prisma.TransactionClient): Promise<AuditEvent> {
    if (tx) return this.#appendIn(tx, input);
    return this.#prisma.$transaction((t) => this.#appendIn(t, input));
  }

  /**
   * Append unless the chain already holds an event of the same actor, action and resource (a read
   * polled many times is recorded once). Checked under the chain's lock, so concurrent callers
   * append it once; returns null when it was already recorded.
   */
  async appendOnce(input: AuditInput): Promise<AuditEvent | null> {
    return this.#prisma.$transaction(async (tx) => {
      await this.#lock(tx, input.orgId);
      const seen = await tx.auditEvent.findFirst({
        where: { orgId: input.orgId, resourceType: input.resourceType, resourceId: input.resourceId ?? null, action: input.action, actor: input.actor },
        select: { seq: true },
      });
      return seen ? null : this.#appendIn(tx, input);
    });
  }

  async #appendIn(tx: Prisma.TransactionClient, input: AuditInput): Promise<AuditEvent> {
    const key = this.#key();
    await this.#lock(tx, input.orgId);
    const fields = this.#fields(input, await this.#head(tx, input.orgId));
    const event = await tx.auditEvent.create({ data: { ...fields, details: fields.details as Prisma.InputJsonObject, hash: hashEvent(fields) } });
    await writeAnchor(tx, key, input.orgId, event, fields.createdAt);
    return event;
  }

  /**
   * Append several events inside `tx` (for one change that records many, such as a batch of
   * instances committed together): one lock and one head read per organization, one INSERT.
   * Events of one organization chain in the order given.
   */
  async appendMany(inputs: readonly AuditInput[], tx: Prisma.TransactionClient): Promise<void> {
    if (inputs.length === 0) return;
    const key = this.#key();
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
    const inserted = await tx.$queryRaw<{ orgId: string; seq: bigint; hash: string }[]>`
      INSERT INTO "AuditEvent" ("orgId", "projectId", "actor", "action", "resourceType", "resourceId", "requestId", "details", "prevHash", "hash", "createdAt")
      SELECT x."orgId", x."projectId", x."actor", x."action", x."resourceType", x."resourceId", x."requestId", x."details", x."prevHash", x."hash", x."createdAt"
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS x("orgId" uuid, "projectId" uuid, "actor" text, "action" text, "resourceType" text,
           "resourceId" text, "requestId" text, "details" jsonb, "prevHash" text, "hash" text, "createdAt" timestamptz, "i" int)
      ORDER BY x."i"
      RETURNING "orgId", "seq", "hash"`;
    // Each organization's anchor moves to its last inserted event (the highest seq).
    const last = new Map<string, { seq: bigint; hash: string }>();
    for (const row of inserted) if ((last.get(row.orgId)?.seq ?? -1n) < row.seq) last.set(row.orgId, row);
    const at = this.#now();
    for (const org of orgs) await writeAnchor(tx, key, org, last.get(org)!, at);
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
  async *stream(scope: string | TenantScope, filter: AuditFilter, db: Db = this.#prisma): AsyncGenerator<AuditEvent> {
    let afterSeq: bigint | undefined;
    for (;;) {
      const batch = await this.list(scope, filter, { limit: VERIFY_BATCH, afterSeq }, db);
      yield* batch;
      if (batch.length < VERIFY_BATCH) return;
      afterSeq = batch.at(-1)!.seq;
    }
  }

  /**
   * Re-compute the organization's chain; reports the first event whose hash or link is wrong, then
   * checks the head against its keyed anchor (a chain rewritten with recomputed hashes, truncated or
   * extended without the key fails there). The events and the anchor are read in one REPEATABLE
   * READ snapshot: read apart, an append committed between the pages and the anchor read would
   * look like a head that does not match its anchor on any busy organization.
   */
  async verify(orgId: string): Promise<Verification> {
    const keys = this.#verifyKeys();
    return this.#prisma.$transaction(async (tx) => {
      const chain = await this.#verifyChain(tx, orgId);
      if (chain.broken) return chain.broken;
      return this.#checkAnchor(tx, keys, orgId, chain.head, chain.checked);
    }, { isolationLevel: 'RepeatableRead', timeout: VERIFY_TIMEOUT_MS, maxWait: 30_000 });
  }

  /**
   * Anchors a chain that has no anchor (events recorded before anchoring existed) or whose intact
   * anchor was signed by the previous key: verifies the chain first, and only when every link and
   * hash checks out appends `input` (such as an `audit.anchor` event), which anchors the new head
   * under the key. A mismatching anchor is left alone: it is evidence, not something to overwrite.
   */
  async anchorUnanchored(input: AuditInput): Promise<{ anchored: boolean; verification: Verification; event?: AuditEvent }> {
    const keys = this.#verifyKeys();
    return this.#prisma.$transaction(async (tx) => {
      // Under the chain's lock, so no append moves the head between the check and the anchor.
      await this.#lock(tx, input.orgId);
      const chain = await this.#verifyChain(tx, input.orgId);
      if (chain.broken) return { anchored: false, verification: chain.broken };
      const anchor = await tx.auditAnchor.findUnique({ where: { orgId: input.orgId } });
      const verification = await this.#checkAnchor(tx, keys, input.orgId, chain.head, chain.checked);
      // Re-anchor only what is unanchored, or anchored correctly under AUDIT_ANCHOR_KEY_PREVIOUS (a rotation).
      const current = anchor !== null && anchorMatches(keys[0]!, input.orgId, anchor, anchor.mac);
      if (!chain.head || (anchor && (!verification.intact || current))) return { anchored: false, verification };
      const event = await this.#appendIn(tx, input);
      return { anchored: true, verification: { intact: true, checked: chain.checked + 1, firstBroken: null }, event };
    }, { timeout: VERIFY_TIMEOUT_MS, maxWait: 30_000 });
  }

  #verifyKeys(): Buffer[] {
    return [this.#key(), ...(this.#previousAnchorKey ? [this.#previousAnchorKey] : [])];
  }

  async #verifyChain(db: Db, orgId: string): Promise<{ broken?: Verification; head?: { seq: bigint; hash: string }; checked: number }> {
    let prevHash = GENESIS_HASH;
    let checked = 0;
    let head: { seq: bigint; hash: string } | undefined;
    for await (const event of this.stream(orgId, {}, db)) {
      checked++;
      if (event.prevHash !== prevHash) {
        return { checked, broken: { intact: false, checked, firstBroken: { seq: event.seq, reason: 'chain_break', message: 'prevHash does not match the previous event: an event was removed, inserted or reordered' } } };
      }
      if (hashEvent(event) !== event.hash) {
        return { checked, broken: { intact: false, checked, firstBroken: { seq: event.seq, reason: 'hash_mismatch', message: 'the event content does not match its hash: it was modified' } } };
      }
      prevHash = event.hash;
      head = event;
    }
    return { head, checked };
  }

  async #checkAnchor(db: Db, keys: Buffer[], orgId: string, head: { seq: bigint; hash: string } | undefined, checked: number): Promise<Verification> {
    const anchor = await db.auditAnchor.findUnique({ where: { orgId } });
    if (!head && !anchor) return { intact: true, checked, firstBroken: null };
    const broken = (reason: 'anchor_mismatch' | 'anchor_missing', message: string): Verification => ({ intact: false, checked, firstBroken: { seq: head?.seq ?? anchor?.seq ?? 0n, reason, message } });
    if (!anchor) return broken('anchor_missing', 'the chain has no keyed anchor: it was removed, or the events were recorded before anchoring (anchor them with `medgrade audit anchor`)');
    if (!keys.some((key) => anchorMatches(key, orgId, anchor, anchor.mac))) return broken('anchor_mismatch', 'the anchor\'s MAC does not verify under AUDIT_ANCHOR_KEY (nor AUDIT_ANCHOR_KEY_PREVIOUS): it was altered or written without the key');
    if (!head || head.seq !== anchor.seq || head.hash !== anchor.hash) {
      return broken('anchor_mismatch', 'the chain head does not match its keyed anchor: events were rewritten with recomputed hashes, removed, or appended without the key');
    }
    return { intact: true, checked, firstBroken: null };
  }
}
