// Which model version an OIP v2 call runs, by the same rules as /v1/inferences: no version = the
// latest released; a draft only with models:write; retired refused (422); another organization's
// model not found (404).
import { hasScopes, type AuthContext } from '@medgrade/auth';
import type { ResolvedModel } from '@medgrade/inference-runs';
import type { ModelRegistry } from '@medgrade/registry';
import { resolveModels } from '../inference/inference.inputs.ts';

/** The exact version `name` (and optional `version`) names for this key. */
export async function resolveOipModel(registry: ModelRegistry, auth: AuthContext, name: string, version?: string): Promise<ResolvedModel> {
  const [resolved] = await resolveModels(registry, auth, [version ? `${name}@${version}` : name]);
  return resolved!;
}

/** Versions this key may run, oldest first: released, plus drafts for keys with models:write. */
export async function runnableVersions(registry: ModelRegistry, auth: AuthContext, name: string): Promise<string[]> {
  const drafts = hasScopes(auth.scopes, ['models:write']);
  return (await registry.versions(auth, name)).filter((v) => v.status === 'RELEASED' || (drafts && v.status !== 'RETIRED')).map((v) => v.version);
}
