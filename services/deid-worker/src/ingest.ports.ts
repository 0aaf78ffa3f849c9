// The adapters the de-identification handler needs, as small interfaces so the handler can be
// unit-tested with fakes and composed with Prisma, packages/deid and an ObjectStore in main.ts.
import { DUPLICATE_SOP_INSTANCE } from '@medgrade/contracts';
import type { BurnedInPolicy, DeidOptions } from '@medgrade/deid';
import type { InstanceSummary } from '@medgrade/dicom';

/** The part of an Instance row the handler reads. */
export interface WorkInstance {
  id: string;
  orgId: string;
  projectId: string;
  status: 'RECEIVED' | 'DEIDENTIFYING' | 'READY' | 'REJECTED' | 'FAILED';
  quarantineKey: string | null;
  /**
   * The de-identified SOP Instance UID the row holds in the live-SOP index (gateway intake sets it;
   * null for rows created before it did). Absent in fakes: treated as null.
   */
  sopInstanceUid?: string | null;
  /**
   * Key id of the reviewer who approved the instance's burned-in review (the review flow): the
   * engine keeps its pixel data as accepted. Absent or null: the project's policy decides.
   */
  burnedInApprovedBy?: string | null;
}

/**
 * Another live instance of the project holds this SOP Instance UID (the partial unique index
 * Instance_live_sop_key): the instance ends REJECTED with DUPLICATE_SOP_INSTANCE.
 */
export class DuplicateSopInstanceError extends Error {
  readonly code = DUPLICATE_SOP_INSTANCE;
  constructor() {
    super('another live instance of the project holds this SOP Instance UID');
  }
}

/** What the index stores about a de-identified instance (defined beside its reader in @medgrade/dicom). */
export type { InstanceSummary } from '@medgrade/dicom';

/** The output written for a READY instance. */
export interface ReadyResult {
  summary: InstanceSummary;
  objectKey: string;
  byteSize: number;
  sha256: string;
  burnedInFlag: boolean;
  /** The reviewer whose approval let a burned-in risk through (audited with the instance). */
  burnedInApprovedBy?: string;
}

/** Row changes; each is one transaction, and markReady/markRejected write their audit event in it. */
export interface IngestRepository {
  find(instanceId: string): Promise<WorkInstance | null>;
  /**
   * RECEIVED|FAILED|DEIDENTIFYING → DEIDENTIFYING, returning the row; null when it is final or gone,
   * or FAILED while another live instance holds its SOP Instance UID (it was uploaded again).
   */
  claim(instanceId: string): Promise<WorkInstance | null>;
  /**
   * Makes the DEIDENTIFYING row hold this de-identified SOP Instance UID in the live-SOP index, so
   * that only one instance ever writes its output key; false when another live instance holds it.
   * Throws (a retry) when the row is no longer DEIDENTIFYING.
   */
  holdSop(instanceId: string, sopInstanceUid: string): Promise<boolean>;
  /**
   * Upserts Study/Series, sets the Instance READY, recounts, audits — all or nothing (may share a
   * transaction with other instances). DuplicateSopInstanceError when the live-SOP index refuses it.
   */
  markReady(instance: WorkInstance, result: ReadyResult, requestId?: string): Promise<void>;
  markRejected(instance: WorkInstance, code: string, requestId?: string): Promise<void>;
  markFailed(instanceId: string, code: string): Promise<void>;
  /** A FAILED row's queued retry (DEID_RETRYING) ended without a claim: FAILED DEID_FAILED again (no-op otherwise). */
  endRetry(instanceId: string): Promise<void>;
  /** Forgets the quarantine key once its object is gone. */
  clearQuarantine(instanceId: string): Promise<void>;
}

/** A project's de-identification settings with its secret decrypted (never logged). */
export interface DeidProject {
  options: DeidOptions;
  burnedInPolicy: BurnedInPolicy;
  secret: Buffer;
}

/** Result of running the engine on one raw instance. */
export type DeidOutcome =
  | { kind: 'ok'; output: Buffer; summary: InstanceSummary; burnedInFlag: boolean }
  /** Bad or unsafe input: final, with a stable code; keepRaw holds the raw object for review. */
  | { kind: 'rejected'; code: string; keepRaw: boolean };

/** packages/deid + packages/dicom behind one call. */
export interface Deidentifier {
  /** `reviewed`: a person approved the file's burned-in risk (the policy no longer holds it). */
  run(input: Buffer, project: DeidProject, options?: { burnedInReviewed?: boolean }): Promise<DeidOutcome>;
}
