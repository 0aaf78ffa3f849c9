// A project's de-identification settings as every process reads them (STYLE.md 18): the stored
// options JSON (partial: deid's defaults fill the rest), the stored burned-in policy, and the HMAC
// secret decrypted with the configured key. The gateway's intake, its inference uploads and
// deid-profile routes, and the deid-worker all load them here, so they cannot disagree.
// Served as the subpath @medgrade/deid/project so the engine itself stays free of Prisma and zod.
import { DeidOptionsSchema } from '@medgrade/contracts';
import { decryptProjectSecret, type BurnedInPolicy as StoredBurnedInPolicy, type PrismaClient } from '@medgrade/db';
import { resolveOptions, type BurnedInPolicy, type DeidOptions } from './options.ts';

/** What the engine needs from a project. */
export interface ProjectDeidSettings {
  options: DeidOptions;
  burnedInPolicy: BurnedInPolicy;
  /** Never logged, never in a response. */
  secret: Buffer;
}

const POLICY: Record<StoredBurnedInPolicy, BurnedInPolicy> = { REJECT: 'reject', QUARANTINE: 'quarantine', FLAG: 'flag' };

/** The effective options of a project from its stored (partial) deidOptions JSON. */
export function effectiveDeidOptions(stored: unknown): DeidOptions {
  return resolveOptions(DeidOptionsSchema.partial().parse(stored ?? {}));
}

/** The engine's burned-in policy for the stored enum value. */
export function burnedInPolicyOf(stored: StoredBurnedInPolicy): BurnedInPolicy {
  return POLICY[stored];
}

/** One project's settings, or null when no project matches (id, and orgId when given). */
export async function loadProjectDeidSettings(prisma: PrismaClient, secretKey: Buffer, where: { id: string; orgId?: string }): Promise<ProjectDeidSettings | null> {
  const project = await prisma.project.findFirst({ where, select: { deidOptions: true, burnedInPolicy: true, secretCiphertext: true } });
  if (!project) return null;
  return {
    options: effectiveDeidOptions(project.deidOptions),
    burnedInPolicy: burnedInPolicyOf(project.burnedInPolicy),
    secret: decryptProjectSecret(secretKey, project.secretCiphertext),
  };
}

/**
 * A loader by project id cached for ttlMs: a worker handles thousands of instances of one project
 * in a row, and a settings change reaches new jobs within the TTL.
 */
export function cachedProjectDeidSettings(prisma: PrismaClient, secretKey: Buffer, ttlMs = 30_000): (projectId: string) => Promise<ProjectDeidSettings> {
  // The pending load is cached too: the jobs a worker starts at once share one query and one
  // decryption instead of each missing the cache; a failed load is dropped so the next job retries.
  const cache = new Map<string, { at: number; value: Promise<ProjectDeidSettings> }>();
  return (projectId) => {
    const hit = cache.get(projectId);
    if (hit && Date.now() - hit.at < ttlMs) return hit.value;
    const value = loadProjectDeidSettings(prisma, secretKey, { id: projectId }).then((loaded) => {
      // An ordinary error (retried), as the worker's findUniqueOrThrow was before.
      if (!loaded) throw new Error(`project ${projectId} not found`);
      return loaded;
    });
    const entry = { at: Date.now(), value };
    cache.set(projectId, entry);
    value.catch(() => {
      if (cache.get(projectId) === entry) cache.delete(projectId);
    });
    return value;
  };
}
