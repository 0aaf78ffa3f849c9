// Model registry persistence: models and immutable versions of an organization, their bundles
// in the object store under models/<org>/<name>/<version>/, and status changes. Every query is
// scoped by the caller's organization (and project for project keys); another organization's
// model is simply not found. The gateway serves it; the training orchestrator registers the
// versions its fine-tuning jobs produce through it (candidate.versions.ts).
import { ConflictError, ForbiddenError, NotFoundError, ServiceUnavailableError, type ModelDto, type ModelValidation, type ModelVersionDto } from '@medgrade/contracts';
import { Prisma, tenantCondition, type Model, type ModelVersion, type ModelVersionStatus, type PrismaClient, type InTransaction } from '@medgrade/db';
import type { Manifest } from '@medgrade/model-runtime';
import { ObjectNotFoundError, getBuffer, modelVersionPrefix, type ObjectStore } from '@medgrade/storage';

/** Whose models a caller reaches: an API key's organization and project, or a job's. */
export interface RegistryScope {
  orgId: string;
  projectId: string | null;
}

export type ModelWithReleased = Model & { versions: Pick<ModelVersion, 'version'>[] };

/**
 * Models a key may read and run: its organization's; for a project-limited key only its project's
 * and the organization-wide ones (projectId null).
 */
export function modelWhere(auth: RegistryScope, name?: string): Prisma.ModelWhereInput {
  return { AND: [{ orgId: auth.orgId }, auth.projectId ? { OR: [{ projectId: auth.projectId }, { projectId: null }] } : {}, name ? { name } : {}] };
}

/**
 * Models a key may change (add versions, release, retire): its organization's; for a
 * project-limited key only its own project's. Organization-wide models are changed by
 * organization-wide keys only, since every project runs them.
 */
export function modelWriteWhere(auth: RegistryScope, name: string): Prisma.ModelWhereInput {
  return { AND: [tenantCondition(auth), { name }] };
}

const RELEASED_LAST = { where: { status: 'RELEASED' as const }, orderBy: { releasedAt: 'desc' as const }, take: 1, select: { version: true } };

export function toModelDto(m: ModelWithReleased): ModelDto {
  return {
    id: m.id, orgId: m.orgId, projectId: m.projectId, name: m.name, task: m.task, description: m.description,
    latestReleasedVersion: m.versions[0]?.version ?? null, createdAt: m.createdAt.toISOString(),
  };
}

export function toVersionDto(v: ModelVersion, name: string): ModelVersionDto {
  return {
    id: v.id, modelId: v.modelId, name, version: v.version, status: v.status.toLowerCase() as ModelVersionDto['status'],
    manifest: v.manifest as Record<string, unknown>, objectPrefix: v.objectPrefix,
    validatedAt: v.validatedAt?.toISOString() ?? null, releasedAt: v.releasedAt?.toISOString() ?? null, createdAt: v.createdAt.toISOString(),
  };
}

export class ModelRegistry {
  readonly #prisma: PrismaClient;
  readonly #storeOrNull: ObjectStore | undefined;

  constructor(prisma: PrismaClient, store: ObjectStore | undefined) {
    this.#prisma = prisma;
    this.#storeOrNull = store;
  }

  /** Bundles need the object store; lookups do not (so tenancy answers 404 before 503). */
  get #store(): ObjectStore {
    if (!this.#storeOrNull) throw new ServiceUnavailableError('Model bundles are unavailable: the object store is not configured');
    return this.#storeOrNull;
  }

  async create(auth: RegistryScope, body: { name: string; description?: string | undefined; projectId?: string | undefined }): Promise<ModelWithReleased> {
    const projectId = auth.projectId ?? body.projectId ?? null;
    if (projectId && !(await this.#prisma.project.findFirst({ where: { id: projectId, orgId: auth.orgId }, select: { id: true } }))) throw new NotFoundError('Project');
    const created = await this.#prisma.model.create({ data: { orgId: auth.orgId, projectId, name: body.name, description: body.description ?? null } }).catch((e: unknown) => {
      if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002') throw new ConflictError(`A model named "${body.name}" already exists`);
      throw e;
    });
    return { ...created, versions: [] };
  }

  list(auth: RegistryScope): Promise<ModelWithReleased[]> {
    return this.#prisma.model.findMany({ where: modelWhere(auth), orderBy: { name: 'asc' }, include: { versions: RELEASED_LAST } });
  }

  async get(auth: RegistryScope, name: string): Promise<ModelWithReleased> {
    const m = await this.#prisma.model.findFirst({ where: modelWhere(auth, name), include: { versions: RELEASED_LAST } });
    if (!m) throw new NotFoundError('Model');
    return m;
  }

  /** A model the key may change: 404 when it cannot see it, 403 when it may only read it. */
  async getForWrite(auth: RegistryScope, name: string): Promise<ModelWithReleased> {
    const m = await this.#prisma.model.findFirst({ where: modelWriteWhere(auth, name), include: { versions: RELEASED_LAST } });
    if (m) return m;
    await this.get(auth, name);
    throw new ForbiddenError('This API key is limited to one project: organization-wide models are changed with an organization-wide key');
  }

  async versions(auth: RegistryScope, name: string): Promise<ModelVersion[]> {
    const m = await this.get(auth, name);
    return this.#prisma.modelVersion.findMany({ where: { modelId: m.id }, orderBy: { createdAt: 'asc' } });
  }

  async version(auth: RegistryScope, name: string, version: string, access: 'read' | 'write' = 'read'): Promise<{ model: ModelWithReleased; version: ModelVersion }> {
    const model = access === 'write' ? await this.getForWrite(auth, name) : await this.get(auth, name);
    const v = await this.#prisma.modelVersion.findUnique({ where: { modelId_version: { modelId: model.id, version } } });
    if (!v) throw new NotFoundError('Model version');
    return { model, version: v };
  }

  /**
   * The version a run of `name` means: `version` when given, else the latest released one. 404
   * when the key cannot see the model or it has no such version; the caller judges the status.
   */
  async runnable(auth: RegistryScope, name: string, version?: string): Promise<ModelVersion> {
    const model = await this.#prisma.model.findFirst({ where: modelWhere(auth, name), select: { id: true } });
    if (!model) throw new NotFoundError('Model');
    const v = version
      ? await this.#prisma.modelVersion.findUnique({ where: { modelId_version: { modelId: model.id, version } } })
      : await this.#prisma.modelVersion.findFirst({ where: { modelId: model.id, status: 'RELEASED' }, orderBy: { releasedAt: 'desc' } });
    if (!v) throw new NotFoundError(version ? 'Model version' : 'Released version of the model');
    return v;
  }

  /** Moves a version to `to` (stamping releasedAt on release) with the caller's audit event in the same transaction. */
  setStatus(v: ModelVersion, to: ModelVersionStatus, record: InTransaction<ModelVersion>): Promise<ModelVersion> {
    return this.#prisma.$transaction(async (tx) => {
      const row = await tx.modelVersion.update({ where: { id: v.id }, data: { status: to, ...(to === 'RELEASED' ? { releasedAt: new Date() } : {}) } });
      await record(tx, row);
      return row;
    });
  }

  /** Store a validated bundle and record it as a draft; versions are immutable (409 on reuse). */
  async addVersion(auth: RegistryScope, model: Model, manifest: Manifest, files: ReadonlyMap<string, Uint8Array>): Promise<ModelVersion> {
    const prefix = await this.storeBundle(auth, model, manifest, files);
    return this.createVersionRow(this.#prisma, { orgId: auth.orgId, model, manifest, prefix });
  }

  /** Writes a bundle under the version's prefix (before its row exists); returns the prefix. */
  async storeBundle(auth: RegistryScope, model: Model, manifest: Manifest, files: ReadonlyMap<string, Uint8Array>): Promise<string> {
    const existing = await this.#prisma.modelVersion.findUnique({ where: { modelId_version: { modelId: model.id, version: manifest.version } } });
    if (existing) throw new ConflictError(`Version ${manifest.version} of ${model.name} already exists; versions are immutable, upload a new version`);
    const prefix = modelVersionPrefix(auth.orgId, model.name, manifest.version);
    // Manifest last: the inference service treats a version without manifest.json as absent.
    for (const [path, bytes] of files) if (path !== 'manifest.json') await this.#store.put(`${prefix}/${path}`, Buffer.from(bytes));
    await this.#store.put(`${prefix}/manifest.json`, Buffer.from(files.get('manifest.json') ?? new Uint8Array()));
    if (!model.task) await this.#prisma.model.update({ where: { id: model.id }, data: { task: manifest.task } });
    return prefix;
  }

  /** The version's row (a draft), in `db` so that a caller can commit it with its audit event. */
  createVersionRow(db: Prisma.TransactionClient, v: { orgId: string; model: Model; manifest: Manifest; prefix: string; validation?: ModelValidation }): Promise<ModelVersion> {
    const { orgId, model, manifest, prefix, validation } = v;
    return db.modelVersion.create({
      data: {
        orgId, modelId: model.id, version: manifest.version, manifest: manifest as unknown as Prisma.InputJsonValue, objectPrefix: prefix,
        ...(validation ? { validation: validation as unknown as Prisma.InputJsonValue } : {}),
      },
    }).catch((e: unknown) => {
      if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002') throw new ConflictError(`Version ${manifest.version} of ${model.name} already exists`);
      throw e;
    });
  }

  /** A bundle file as text/JSON, or null when the bundle has none. */
  async bundleFile(v: ModelVersion, path: string): Promise<string | null> {
    try {
      return (await getBuffer(this.#store, `${v.objectPrefix}/${path}`)).toString('utf8');
    } catch (e) {
      if (e instanceof ObjectNotFoundError) return null;
      throw e;
    }
  }
}
