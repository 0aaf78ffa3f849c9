// What the object store says about model versions without loading them: the manifest and the
// newest stored version (for OIP calls that omit the version). The gateway always names one.
import { BadRequestError, NotFoundError, ORG_HEADER } from '@medgrade/contracts';
import { MANIFEST_FILE, parseManifest, type Manifest } from '@medgrade/model-runtime';
import { modelPrefix, modelVersionOfFile, type ObjectStore } from '@medgrade/storage';
import type { FastifyRequest } from 'fastify';
import { storeBundleReader, type ModelKey } from './model.cache.ts';

/** The organization the gateway is calling for (service-to-service header). */
export function orgOf(request: FastifyRequest): string {
  const org = request.headers[ORG_HEADER];
  if (typeof org !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(org)) throw new BadRequestError(`send the organization id in the ${ORG_HEADER} header`);
  return org;
}

/** Versions stored for a model, oldest first (numeric-aware order). */
export async function storedVersions(store: ObjectStore, orgId: string, name: string): Promise<string[]> {
  const prefix = modelPrefix(orgId, name);
  const versions: string[] = [];
  for await (const o of store.list(prefix)) {
    const version = modelVersionOfFile(prefix, o.key, MANIFEST_FILE);
    if (version) versions.push(version);
  }
  return versions.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

/** The exact key for name and optional version (newest stored when omitted). */
export async function resolveKey(store: ObjectStore, orgId: string, name: string, version: string | undefined): Promise<ModelKey> {
  if (version) return { orgId, name, version };
  const latest = (await storedVersions(store, orgId, name)).at(-1);
  if (!latest) throw new NotFoundError('Model');
  return { orgId, name, version: latest };
}

/** The manifest of a stored version (not verified against its files; loading does that). */
export async function readManifest(store: ObjectStore, key: ModelKey): Promise<Manifest> {
  const bytes = await storeBundleReader(store, key).read(MANIFEST_FILE);
  if (!bytes) throw new NotFoundError('Model version');
  return parseManifest(bytes);
}
