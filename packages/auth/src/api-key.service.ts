import { ConflictError, NotFoundError, ValidationError, type Scope } from '@medgrade/contracts';
import { withinTenant, type ApiKey, type InTransaction, type PrismaClient, type Prisma } from '@medgrade/db';
import { apiKeyMatches, apiKeyPrefix, generateApiKey } from './api-key.ts';
import { ExpiringSet } from './negative.cache.ts';
import type { AuthContext } from './auth.types.ts';

type Db = PrismaClient | Prisma.TransactionClient;

export interface CreateApiKeyInput {
  orgId: string;
  projectId?: string | null;
  name?: string | null;
  scopes: Scope[];
  expiresAt?: Date | null;
  /** Key id of the creator; null for the CLI. */
  createdBy?: string | null;
}

export interface ApiKeyServiceOptions {
  /** How long a verified key stays cached in this process (0 disables). */
  cacheTtlMs: number;
  /** How long a prefix that has no key is remembered as unknown (0 disables); default 30 s. */
  negativeTtlMs?: number;
  /** Most unknown prefixes remembered (least recently added forgotten first); default 10,000. */
  negativeMax?: number;
  /** `lastUsedAt` is written at most this often per key and process; default 60 s. */
  lastUsedIntervalMs?: number;
  now?: () => number;
}

interface CacheEntry {
  row: ApiKey;
  until: number;
}

/**
 * How verify may find the key: `knownOnly` reads the database only for a prefix that verified here
 * before (a throttled client address: its guesses cost nothing, its real keys keep working).
 */
export interface VerifyOptions {
  knownOnly?: boolean;
}

/**
 * Creates, verifies, lists and revokes API keys. Verification caches the key row briefly so
 * authenticated GETs do not hit Postgres each time; revocation through this service evicts the
 * entry at once, and other processes notice within the TTL (or sooner via `evict`).
 */
export class ApiKeyService {
  readonly #prisma: PrismaClient;
  readonly #ttl: number;
  readonly #now: () => number;
  readonly #cache = new Map<string, CacheEntry>();
  readonly #unknown: ExpiringSet;
  readonly #lastUsedIntervalMs: number;
  /** When this process last wrote lastUsedAt, per key id. */
  readonly #touched = new Map<string, number>();
  /** Prefixes whose secret matched here once (as many as there are keys in use). */
  readonly #known = new Set<string>();

  constructor(prisma: PrismaClient, options: ApiKeyServiceOptions) {
    this.#prisma = prisma;
    this.#ttl = options.cacheTtlMs;
    this.#now = options.now ?? Date.now;
    this.#unknown = new ExpiringSet({ ttlMs: options.negativeTtlMs ?? 30_000, max: options.negativeMax ?? 10_000, now: this.#now });
    this.#lastUsedIntervalMs = options.lastUsedIntervalMs ?? 60_000;
  }

  /** Create a key; returns the row and the secret key (shown once). */
  async create(input: CreateApiKeyInput, db: Db = this.#prisma): Promise<{ row: ApiKey; key: string }> {
    if (input.projectId) {
      const project = await db.project.findFirst({ where: { id: input.projectId, orgId: input.orgId }, select: { id: true } });
      if (!project) throw new NotFoundError('Project');
    }
    if (input.expiresAt && input.expiresAt.getTime() <= this.#now()) {
      throw new ValidationError('expiresAt must be in the future', [{ path: 'body.expiresAt', message: 'must be in the future' }]);
    }
    const generated = generateApiKey();
    const row = await db.apiKey.create({
      data: {
        orgId: input.orgId,
        projectId: input.projectId ?? null,
        name: input.name ?? null,
        prefix: generated.prefix,
        hash: new Uint8Array(generated.hash),
        scopes: [...new Set(input.scopes)],
        expiresAt: input.expiresAt ?? null,
        createdBy: input.createdBy ?? null,
      },
    });
    this.#unknown.delete(generated.prefix);
    return { row, key: generated.key };
  }

  /**
   * The caller behind a bearer token, or null when the key is unknown, wrong, revoked or expired.
   * The database is read only for a prefix neither cached nor recently found unknown, and written
   * (lastUsedAt) only once the secret matched, at most once per lastUsedIntervalMs.
   */
  async verify(token: string, options: VerifyOptions = {}): Promise<AuthContext | null> {
    return (await this.check(token, options)).auth;
  }

  /**
   * verify, also telling whether a key with the token's prefix exists (a refused token whose prefix
   * exists is a guess at that key's secret; one whose prefix does not is garbage). `prefixExists`
   * is false when a `knownOnly` check did not look.
   */
  async check(token: string, options: VerifyOptions = {}): Promise<{ auth: AuthContext | null; prefixExists: boolean }> {
    const prefix = apiKeyPrefix(token);
    if (!prefix || this.#unknown.has(prefix)) return { auth: null, prefixExists: false };
    const row = await this.#lookup(prefix, (options.knownOnly ?? false) && !this.#known.has(prefix));
    if (!row) return { auth: null, prefixExists: false };
    if (!apiKeyMatches(token, row.hash)) return { auth: null, prefixExists: true };
    this.#known.add(prefix);
    if (row.revokedAt || (row.expiresAt && row.expiresAt.getTime() <= this.#now())) return { auth: null, prefixExists: true };
    await this.#touch(row);
    return { auth: { keyId: row.id, orgId: row.orgId, projectId: row.projectId, scopes: row.scopes as Scope[] }, prefixExists: true };
  }

  async #lookup(prefix: string, cachedOnly: boolean): Promise<ApiKey | null> {
    const cached = this.#cache.get(prefix);
    if (cached && cached.until > this.#now()) return cached.row;
    if (cachedOnly) return null;
    const row = await this.#prisma.apiKey.findUnique({ where: { prefix } });
    if (!row) {
      this.#unknown.add(prefix);
      return null;
    }
    // Cached whether or not the presented secret matches: a wrong secret is refused from memory next time.
    if (this.#ttl > 0) this.#cache.set(prefix, { row, until: this.#now() + this.#ttl });
    return row;
  }

  // lastUsedAt is accurate to the interval: one UPDATE per key per interval and process, never for a wrong secret.
  async #touch(row: ApiKey): Promise<void> {
    const now = this.#now();
    const last = Math.max(this.#touched.get(row.id) ?? 0, row.lastUsedAt?.getTime() ?? 0);
    if (now - last < this.#lastUsedIntervalMs) return;
    this.#touched.set(row.id, now);
    await this.#prisma.apiKey.updateMany({ where: { id: row.id }, data: { lastUsedAt: new Date(now) } });
  }

  /** Forget a cached key (called on revocation, locally or when another process announces it). */
  evict(prefix: string): void {
    this.#cache.delete(prefix);
  }

  /** Keys of an organization; with `projectId`, only that project's keys (a project-bound caller). */
  async list(orgId: string, options: { limit: number; cursor?: string; projectId?: string | null }): Promise<ApiKey[]> {
    return this.#prisma.apiKey.findMany({
      where: withinTenant({ orgId, projectId: options.projectId }, options.cursor ? { id: { gt: options.cursor } } : {}),
      orderBy: { id: 'asc' },
      take: options.limit,
    });
  }

  async get(orgId: string, id: string, projectId?: string | null): Promise<ApiKey> {
    const row = await this.#prisma.apiKey.findFirst({ where: withinTenant({ orgId, projectId }, { id }) });
    if (!row) throw new NotFoundError('API key');
    return row;
  }

  /** `create` with the caller's `record` (its audit event) in the same transaction. */
  createAudited(input: CreateApiKeyInput, record: InTransaction<ApiKey>): Promise<{ row: ApiKey; key: string }> {
    return this.#prisma.$transaction(async (tx) => {
      const created = await this.create(input, tx);
      await record(tx, created.row);
      return created;
    });
  }

  /** `revoke` with the caller's `record` (its audit event) in the same transaction. */
  revokeAudited(where: { orgId: string; id: string; projectId?: string | null }, record: InTransaction<ApiKey>): Promise<ApiKey> {
    return this.#prisma.$transaction(async (tx) => {
      const revoked = await this.revoke(where, tx);
      await record(tx, revoked);
      return revoked;
    });
  }

  /** Revoke a key by id (within an organization) or by prefix; revoking a revoked key conflicts. */
  async revoke(where: { orgId: string; id: string; projectId?: string | null } | { prefix: string }, db: Db = this.#prisma): Promise<ApiKey> {
    const filter = 'prefix' in where ? { prefix: where.prefix } : withinTenant(where, { id: where.id });
    const row = await db.apiKey.findFirst({ where: filter });
    if (!row) throw new NotFoundError('API key');
    if (row.revokedAt) throw new ConflictError('API key is already revoked');
    const revoked = await db.apiKey.update({ where: { id: row.id }, data: { revokedAt: new Date(this.#now()) } });
    this.evict(row.prefix);
    return revoked;
  }
}
