// InstanceDeidentify handler. Runs once per uploaded instance, enqueued by the gateway after the
// raw object and the RECEIVED row exist (jobId `instance-<id>`, so a double enqueue is one job).
// Transient faults (object store, database) throw and BullMQ retries with exponential backoff; bad
// input ends REJECTED with a code via UnrecoverableError; the last failed attempt marks FAILED.
// Idempotent at every crash point: the output key is derived from de-identified UIDs (the same on
// every retry), READY + audit commit in one transaction, the raw object is deleted only after it,
// and a retry that finds READY only finishes the deletion.
// One instance per SOP: the output key is per SOP Instance UID, so before writing it the row must
// hold that UID in the live-SOP index (instance.sop.ts); a second live instance of the same SOP
// (one that reached the queue without the gateway's check) ends REJECTED DUPLICATE_SOP_INSTANCE
// without writing, and the first instance's object is never overwritten.
import { createHash } from 'node:crypto';
import { DUPLICATE_SOP_INSTANCE, type InputLimitCode } from '@medgrade/contracts';
import { DEFAULT_MAX_INFLATED_BYTES, DicomError, inflatedDataSetBytes } from '@medgrade/dicom';
import { deidKey, ObjectNotFoundError, getBuffer, type ObjectStore } from '@medgrade/storage';
import { UnrecoverableError, type JobContext } from '@medgrade/queue';
import type { InstanceDeidentifyPayload } from './deid.job.ts';
import { DuplicateSopInstanceError, type Deidentifier, type DeidProject, type IngestRepository, type WorkInstance } from './ingest.ports.ts';
import { JOB_BYTES_PER_RAW_BYTE, type MemoryBudget } from './memory.budget.ts';

/** Adapters the handler needs (STYLE.md 3). */
export interface DeidWorkerDeps {
  store: ObjectStore;
  repo: IngestRepository;
  engine: Deidentifier;
  project(projectId: string): Promise<DeidProject>;
  /** Deletes a raw object (default store.delete; worker.app.ts batches concurrent deletes into one request). */
  deleteRaw?(key: string): Promise<void>;
  /** Counts bytes read from quarantine and written to deid/ (metrics). */
  onBytes?(direction: 'in' | 'out', bytes: number): void;
  /** Final status of an instance, once (metrics); a hold for burned-in review is not final (onReviewHeld). */
  onFinal?(status: 'READY' | 'REJECTED' | 'FAILED'): void;
  /** An instance held for burned-in review (metrics): its final status comes after the decision. */
  onReviewHeld?(): void;
  /** Bounds the bytes concurrent jobs hold; absent: concurrency alone bounds them. */
  memory?: MemoryBudget;
  /** Largest inflated data set of a deflated instance; default: @medgrade/dicom's. */
  maxInflatedBytes?: number;
}

/** errorCode of an instance whose deflated data set inflates past the limit (the gateway refuses these at upload). */
export const INFLATED_TOO_LARGE = 'INFLATED_TOO_LARGE' satisfies InputLimitCode;

/** Re-reserves the job's memory for `bytes` raw-equivalent bytes (a no-op without a budget). */
type Charge = (bytes: number) => Promise<void>;


async function finishDeletion(deps: DeidWorkerDeps, instance: WorkInstance): Promise<void> {
  if (!instance.quarantineKey) return;
  await (deps.deleteRaw ? deps.deleteRaw(instance.quarantineKey) : deps.store.delete(instance.quarantineKey));
  await deps.repo.clearQuarantine(instance.id);
}

/** Builds the handler for the InstanceDeidentify job. */
export function handleInstanceDeidentify(deps: DeidWorkerDeps) {
  return async (payload: InstanceDeidentifyPayload, ctx: JobContext): Promise<void> => {
    // One statement in the common case: claim the row; only a row that cannot be claimed is read.
    const instance = await deps.repo.claim(payload.instanceId);
    if (!instance) {
      const row = await deps.repo.find(payload.instanceId);
      // The row is created before the job; a missing row means the project was deleted.
      if (row?.status === 'READY') await finishDeletion(deps, row);
      // A queued retry that cannot run (another live instance took its SOP since) has ended.
      if (row?.status === 'FAILED') await deps.repo.endRetry(row.id);
      return;
    }
    let release: (() => void) | undefined;
    // Released before reserving again: a job waiting to grow holds nothing, so two growing jobs cannot deadlock.
    const charge: Charge = async (bytes) => {
      if (!deps.memory) return;
      release?.();
      release = undefined;
      release = await deps.memory.reserve(JOB_BYTES_PER_RAW_BYTE * bytes);
    };
    try {
      await charge(await rawSize(deps, instance, payload.rawBytes));
      await deidentifyOne(deps, instance, charge, payload.requestId);
    } catch (error) {
      if (error instanceof UnrecoverableError) throw error;
      if (ctx.lastAttempt) {
        await deps.repo.markFailed(instance.id, 'DEID_FAILED');
        deps.onFinal?.('FAILED');
      }
      throw error;
    } finally {
      release?.();
    }
  };
}

/** The raw object's size: from the job when the gateway sent it, else from the object store. */
async function rawSize(deps: DeidWorkerDeps, instance: WorkInstance, hint: number | undefined): Promise<number> {
  if (hint !== undefined) return hint;
  if (!instance.quarantineKey) return 0;
  try {
    return (await deps.store.head(instance.quarantineKey)).size;
  } catch (error) {
    // A missing object is reported by readRaw, which marks the instance.
    if (error instanceof ObjectNotFoundError) return 0;
    throw error;
  }
}

async function readRaw(deps: DeidWorkerDeps, instance: WorkInstance): Promise<Buffer> {
  try {
    if (!instance.quarantineKey) throw new ObjectNotFoundError('(none)');
    return await getBuffer(deps.store, instance.quarantineKey);
  } catch (error) {
    if (!(error instanceof ObjectNotFoundError)) throw error;
    // Raw objects are deleted only after READY/REJECTED commit, so this is lost data: final.
    await deps.repo.markFailed(instance.id, 'RAW_OBJECT_MISSING');
    deps.onFinal?.('FAILED');
    throw new UnrecoverableError('RAW_OBJECT_MISSING');
  }
}

/** Final REJECTED with a code: audited, raw object deleted unless kept for review, no retry. */
async function reject(deps: DeidWorkerDeps, instance: WorkInstance, code: string, keepRaw: boolean, requestId?: string): Promise<never> {
  await deps.repo.markRejected(instance, code, requestId);
  if (!keepRaw) await finishDeletion(deps, instance);
  // A hold is not final: an approved instance ends READY later and would be counted twice.
  if (keepRaw) deps.onReviewHeld?.();
  else deps.onFinal?.('REJECTED');
  throw new UnrecoverableError(code);
}

/**
 * A deflated instance is charged for what it inflates to (every parse of it holds the inflated
 * data set), counted without keeping the output before anything parses it; past the limit it ends
 * REJECTED. Other encodings: the raw size already charged.
 */
async function chargeInflated(deps: DeidWorkerDeps, instance: WorkInstance, raw: Buffer, charge: Charge, requestId?: string): Promise<void> {
  let inflated: number | undefined;
  try {
    inflated = await inflatedDataSetBytes(raw, deps.maxInflatedBytes ?? DEFAULT_MAX_INFLATED_BYTES);
  } catch (error) {
    if (!(error instanceof DicomError)) throw error;
    // TOO_LARGE is final; any other parse fault is left to the engine, which reports it with its code.
    if (error.code === 'TOO_LARGE') await reject(deps, instance, INFLATED_TOO_LARGE, false, requestId);
    return;
  }
  if (inflated !== undefined) await charge(raw.length + inflated);
}

async function deidentifyOne(deps: DeidWorkerDeps, instance: WorkInstance, charge: Charge, requestId?: string): Promise<void> {
  const raw = await readRaw(deps, instance);
  deps.onBytes?.('in', raw.length);
  await chargeInflated(deps, instance, raw, charge, requestId);
  const approvedBy = instance.burnedInApprovedBy ?? undefined;
  const outcome = await deps.engine.run(raw, await deps.project(instance.projectId), { burnedInReviewed: approvedBy !== undefined });
  if (outcome.kind === 'rejected') return reject(deps, instance, outcome.code, outcome.keepRaw, requestId);
  const { summary } = outcome;
  // Intake stored the UID on the row (then no extra statement); otherwise take it before writing.
  if (instance.sopInstanceUid !== summary.sopInstanceUid && !(await deps.repo.holdSop(instance.id, summary.sopInstanceUid))) {
    return reject(deps, instance, DUPLICATE_SOP_INSTANCE, false, requestId);
  }
  const objectKey = deidKey(instance.orgId, instance.projectId, summary.studyInstanceUid, summary.seriesInstanceUid, summary.sopInstanceUid);
  const sha256 = createHash('sha256').update(outcome.output).digest('hex');
  // The row's hash is the body's: S3 signs it instead of hashing the output again.
  await deps.store.put(objectKey, outcome.output, { contentType: 'application/dicom', sha256 });
  deps.onBytes?.('out', outcome.output.length);
  try {
    await deps.repo.markReady(instance, { summary, objectKey, byteSize: outcome.output.length, sha256, burnedInFlag: outcome.burnedInFlag, ...(approvedBy && outcome.burnedInFlag ? { burnedInApprovedBy: approvedBy } : {}) }, requestId);
  } catch (error) {
    // Unreachable while the row holds its UID (above); kept for rows changed outside intake and worker.
    if (error instanceof DuplicateSopInstanceError) return reject(deps, instance, DUPLICATE_SOP_INSTANCE, false, requestId);
    throw error;
  }
  await finishDeletion(deps, instance);
  deps.onFinal?.('READY');
}
