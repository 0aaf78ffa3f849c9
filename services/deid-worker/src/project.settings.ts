// A project's de-identification settings for the worker: options parsed from the stored JSON
// (missing keys take deid's defaults) and the HMAC secret decrypted with the configured key.
// Cached briefly: a worker handles thousands of instances of one project in a row, and a
// settings change reaches new jobs within the TTL.
import { DeidOptionsSchema } from '@medgrade/contracts';
import { decryptProjectSecret, type PrismaClient } from '@medgrade/db';
import { resolveOptions, type BurnedInPolicy } from '@medgrade/deid';
import type { DeidProject } from './ingest.ports.ts';

const POLICY: Record<'REJECT' | 'QUARANTINE' | 'FLAG', BurnedInPolicy> = { REJECT: 'reject', QUARANTINE: 'quarantine', FLAG: 'flag' };

/** Returns a loader of DeidProject by id, cached for ttlMs. */
export function createProjectSettings(prisma: PrismaClient, secretKey: Buffer, ttlMs = 30_000): (projectId: string) => Promise<DeidProject> {
  const cache = new Map<string, { at: number; value: DeidProject }>();
  return async (projectId) => {
    const hit = cache.get(projectId);
    if (hit && Date.now() - hit.at < ttlMs) return hit.value;
    const project = await prisma.project.findUniqueOrThrow({
      where: { id: projectId },
      select: { deidOptions: true, burnedInPolicy: true, secretCiphertext: true },
    });
    const value: DeidProject = {
      options: resolveOptions(DeidOptionsSchema.partial().parse(project.deidOptions)),
      burnedInPolicy: POLICY[project.burnedInPolicy],
      secret: decryptProjectSecret(secretKey, project.secretCiphertext),
    };
    cache.set(projectId, { at: Date.now(), value });
    return value;
  };
}
