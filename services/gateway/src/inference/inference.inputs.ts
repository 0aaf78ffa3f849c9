// What a public inference request runs on: the models it names (resolved to exact versions the
// caller may use) and its input (de-identified instances of the caller's organization, or an
// uploaded file de-identified here in memory with the project's profile and never stored).
import type { AuthContext } from '@medgrade/auth';
import { ForbiddenError, NotFoundError, UnprocessableError, type CreateInferenceBody } from '@medgrade/contracts';
import { projectInScope, type InstanceObject, type InstanceRepository, type PrismaClient } from '@medgrade/db';
import { DeidError, deidentify, releasableOutput } from '@medgrade/deid';
import { loadProjectDeidSettings } from '@medgrade/deid/project';
import type { ResolvedInputs, ResolvedModel } from '@medgrade/inference-runs';
import { hasScopes } from '@medgrade/auth';
import type { ModelRegistry } from '@medgrade/registry';

/** `name` → latest released version; `name@version` → that version (drafts need models:write). */
export async function resolveModels(registry: ModelRegistry, auth: AuthContext, refs: readonly string[]): Promise<ResolvedModel[]> {
  return Promise.all(refs.map(async (ref) => {
    const [name = '', version] = ref.split('@');
    const v = await registry.runnable(auth, name, version);
    if (v.status === 'RETIRED') throw new UnprocessableError(`${name}@${v.version} is retired and no longer serves`);
    if (v.status !== 'RELEASED' && !hasScopes(auth.scopes, ['models:write'])) {
      throw new ForbiddenError(`${name}@${v.version} is not released: running it needs the models:write scope`, { missingScopes: ['models:write'] });
    }
    return { name, version: v.version, versionId: v.id };
  }));
}

async function deidentifyUpload(prisma: PrismaClient, auth: AuthContext, projectId: string, dicomBase64: string, secretKey: Buffer): Promise<string> {
  if (!projectInScope(auth, projectId)) throw new NotFoundError('Project');
  const project = await loadProjectDeidSettings(prisma, secretKey, { id: projectId, orgId: auth.orgId });
  if (!project) throw new NotFoundError('Project');
  try {
    // The project's burned-in policy holds for inference too: a file ingest would keep for review
    // is refused here (422, reason BURNED_IN_REVIEW), never sent to a model (issue 14.4).
    const result = deidentify(Buffer.from(dicomBase64, 'base64'), project.options, { secret: project.secret, burnedInPolicy: project.burnedInPolicy });
    return releasableOutput(result).toString('base64');
  } catch (e) {
    // The code names the reason (not DICOM, burned-in text…); the message never carries header values.
    if (e instanceof DeidError) throw new UnprocessableError(`The uploaded file could not be de-identified: ${e.message}`, { reason: e.code });
    throw e;
  }
}

function readyInputs(kind: ResolvedInputs['kind'], rows: InstanceObject[]): ResolvedInputs {
  const ready = rows.filter((r): r is InstanceObject & { objectKey: string } => r.status === 'READY' && r.objectKey !== null);
  if (ready.length === 0) throw new UnprocessableError('No de-identified instance is ready for inference yet');
  return { kind, inputs: ready.map((r) => ({ objectKey: r.objectKey })), instanceIds: ready.map((r) => r.id) };
}

/** De-identified inputs of the request, scoped to the caller's organization (and project). */
export async function resolveInputs(prisma: PrismaClient, instances: InstanceRepository, auth: AuthContext, input: CreateInferenceBody['input'], secretKey: Buffer): Promise<ResolvedInputs> {
  if ('studyId' in input) {
    const rows = await instances.ofStudy(auth, input.studyId);
    if (!rows) throw new NotFoundError('Study');
    return readyInputs('study', rows);
  }
  if ('instanceIds' in input) {
    const rows = await instances.byIds(auth, input.instanceIds);
    if (rows.length !== new Set(input.instanceIds).size) throw new NotFoundError('Instance');
    const order = new Map(input.instanceIds.map((id, i) => [id, i]));
    return readyInputs('instances', rows.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0)));
  }
  return { kind: 'upload', inputs: [{ dicomBase64: await deidentifyUpload(prisma, auth, input.projectId, input.dicomBase64, secretKey) }], instanceIds: [null] };
}
