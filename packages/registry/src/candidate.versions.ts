// The registry side of the evaluation gate (packages/training CandidateRegistry): finds a job's
// base version, finds a version a job registered before, and records a candidate bundle as a
// draft carrying its validation record, validated in the same transaction when the gate passed.
// Both steps are audited with the job as the actor's subject.
import type { AuditLog } from '@medgrade/audit';
import { NotFoundError, type ModelValidation } from '@medgrade/contracts';
import type { ModelVersion, PrismaClient } from '@medgrade/db';
import type { ObjectStore } from '@medgrade/storage';
import { validateBundle } from './bundle.validate.ts';
import { ModelRegistry } from './model.registry.ts';

/** The actor of registry events the training orchestrator records. */
export const ORCHESTRATOR_ACTOR = 'system:training-orchestrator';

type Row = Pick<ModelVersion, 'id' | 'version' | 'status' | 'validation'>;
const ROW = { id: true, version: true, status: true, validation: true } as const;

export interface CandidateInput {
  orgId: string;
  projectId: string | null;
  jobId: string;
  base: { modelId: string };
  files: ReadonlyMap<string, Uint8Array>;
  validation: ModelValidation;
}

export class CandidateVersions {
  readonly #prisma: PrismaClient;
  readonly #registry: ModelRegistry;
  readonly #audit: AuditLog;

  constructor(prisma: PrismaClient, store: ObjectStore, audit: AuditLog) {
    this.#prisma = prisma;
    this.#registry = new ModelRegistry(prisma, store);
    this.#audit = audit;
  }

  async baseVersion(orgId: string, modelVersionId: string): Promise<{ id: string; modelId: string; name: string; version: string; objectPrefix: string } | null> {
    const v = await this.#prisma.modelVersion.findFirst({ where: { id: modelVersionId, orgId }, include: { model: { select: { name: true } } } });
    return v ? { id: v.id, modelId: v.modelId, name: v.model.name, version: v.version, objectPrefix: v.objectPrefix } : null;
  }

  findVersion(orgId: string, modelId: string, version: string): Promise<Row | null> {
    return this.#prisma.modelVersion.findFirst({ where: { orgId, modelId, version }, select: ROW });
  }

  async registerCandidate(c: CandidateInput): Promise<Row> {
    const manifest = await validateBundle(c.files);
    const model = await this.#prisma.model.findFirst({ where: { id: c.base.modelId, orgId: c.orgId } });
    if (!model) throw new NotFoundError('Model');
    const scope = { orgId: c.orgId, projectId: c.projectId };
    const prefix = await this.#registry.storeBundle(scope, model, manifest, c.files);
    const { gate, policy } = c.validation;
    const details = { name: model.name, version: manifest.version, finetuneJobId: c.jobId };
    return this.#prisma.$transaction(async (tx) => {
      const row = await this.#registry.createVersionRow(tx, { orgId: c.orgId, model, manifest, prefix, validation: c.validation });
      const event = { orgId: c.orgId, actor: ORCHESTRATOR_ACTOR, resourceType: 'model_version', resourceId: row.id };
      await this.#audit.append({ ...event, action: 'model.version.register', details: { ...details, gatePassed: gate.passed, files: manifest.files.map((f) => ({ path: f.path, sha256: f.sha256 })) } }, tx);
      if (!gate.passed) return row;
      const validated = await tx.modelVersion.update({ where: { id: row.id }, data: { status: 'VALIDATED', validatedAt: new Date() }, select: ROW });
      await this.#audit.append({ ...event, action: 'model.version.validate', details: { ...details, from: 'DRAFT', to: 'VALIDATED', policy, checks: gate.checks.length } }, tx);
      return validated;
    });
  }
}
