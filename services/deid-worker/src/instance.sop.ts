// The live-SOP rule on the worker side: a project holds one live Instance (RECEIVED,
// DEIDENTIFYING, READY) per de-identified SOP Instance UID (partial unique index
// Instance_live_sop_key). Gateway intake stores the UID on the RECEIVED row, so a claimed row
// normally holds it already; a row from before that (or whose UID the output contradicts) takes it
// here, through the index, before the output object is written: two instances of one SOP can then
// never both write deid/…/<sop>.dcm, and the one that cannot take it ends REJECTED.
import { isLiveSopConflict, type PrismaClient } from '@medgrade/db';

// The index and its conflict test live in @medgrade/db: the gateway's review approval meets it too.
export { isLiveSopConflict, LIVE_SOP_INDEX } from '@medgrade/db';

/**
 * Sets the row's SOP Instance UID while it is DEIDENTIFYING. The index checks it against committed
 * and in-flight rows alike (a concurrent holder's transaction is waited for), so the answer is
 * race-free: false when another live instance holds the UID.
 */
export async function holdSop(prisma: PrismaClient, instanceId: string, sopInstanceUid: string): Promise<boolean> {
  let updated: number;
  try {
    updated = await prisma.$executeRaw`
      UPDATE "Instance" SET "sopInstanceUid" = ${sopInstanceUid}, "updatedAt" = now()
      WHERE "id" = ${instanceId}::uuid AND "status" = 'DEIDENTIFYING'`;
  } catch (error) {
    if (isLiveSopConflict(error)) return false;
    throw error;
  }
  // Another attempt finished it meanwhile (a stalled job run twice): the retry sees the final state.
  if (updated === 0) throw new Error('The instance left DEIDENTIFYING while being de-identified; retrying');
  return true;
}
