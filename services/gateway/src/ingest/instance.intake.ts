// Accepts uploaded instances: validate, dedupe, raw bytes to quarantine, rows, jobs — in that
// order, so a row always has its object and a job always has its row. Shared by STOW-RS and
// /v1/uploads. Nothing here logs or returns a DICOM value except UIDs the caller sent.
import { createHash, randomUUID } from 'node:crypto';
import { DUPLICATE_SOP_INSTANCE, NotFoundError, type JOB_CATALOG } from '@medgrade/contracts';
import type { IntakeRepository, IntakeRow, KnownInstance, PrismaClient } from '@medgrade/db';
import { mapUid } from '@medgrade/deid';
import { loadProjectDeidSettings } from '@medgrade/deid/project';
import type { JobProducer } from '@medgrade/queue';
import { quarantineKey, type ObjectStore } from '@medgrade/storage';
import { checkPart10, type Part10Ok, type Part10Refused } from './part10.check.ts';

/** Adapters the intake needs. */
export interface IntakeDeps {
  /** Reads the project's de-identification settings. */
  prisma: PrismaClient;
  /** The project's Instance rows (dedupe and insert). */
  intake: IntakeRepository;
  store: ObjectStore;
  jobs: JobProducer<typeof JOB_CATALOG>;
  /** Decrypts project secrets (to report the de-identified SOP Instance UID up front). */
  projectSecretKey: Buffer;
  /** Largest inflated data set of a deflated instance (config ingest.maxInflatedBytes). */
  maxInflatedBytes: number;
  onBytesIn?(bytes: number): void;
}

/** Where an upload goes and who sent it. */
export interface IntakeTarget {
  orgId: string;
  projectId: string;
  uploadId: string;
  requestId: string;
}

/** The project facts intake needs, loaded once per request. */
export interface IntakeProject {
  retainUids: boolean;
  secret: Buffer;
}

/** The UIDs the instance will have once de-identified (deterministic per project). */
export interface DeidUids {
  study: string;
  series: string;
  sop: string;
}

/**
 * Why an accepted file was not stored: the project already holds its bytes, or an instance with
 * its SOP Instance UID and other bytes (DICOM's identity: the first stored wins).
 */
export type Duplicate = 'SAME_BYTES' | 'SAME_SOP_INSTANCE';

/** Accepted (new, or already known: then instanceId and status are the stored instance's) or refused. */
export type IntakeResult =
  | { ok: true; instanceId: string; status: string; duplicate: Duplicate | false; sopClassUid: string; deid: DeidUids }
  | (Part10Refused & { instanceId?: string });

/** Loads what intake needs about a project (the secret stays in memory for this request only). */
export async function loadIntakeProject(deps: IntakeDeps, projectId: string): Promise<IntakeProject> {
  const project = await loadProjectDeidSettings(deps.prisma, deps.projectSecretKey, { id: projectId });
  if (!project) throw new NotFoundError('Project');
  return { retainUids: project.options.retainUIDs, secret: project.secret };
}

const LIVE = new Set(['RECEIVED', 'DEIDENTIFYING', 'READY']);

/** A file that passed the Part 10 check, with the UIDs it will have once de-identified. */
interface Valid {
  bytes: Buffer;
  inputSha256: string;
  check: Part10Ok;
  deid: DeidUids;
}

type Checked = Valid | { bytes: Buffer; inputSha256: string; check: Part10Refused };

const isValid = (c: Checked): c is Valid => c.check.ok;

/** What the project holds, by de-identified SOP Instance UID (live rows) and by input hash. */
class KnownInstances {
  private readonly bySop = new Map<string, KnownInstance>();
  private readonly byHash = new Map<string, KnownInstance>();

  constructor(rows: KnownInstance[]) {
    for (const row of rows) this.add(row);
  }

  add(row: KnownInstance): void {
    if (row.sopInstanceUid && LIVE.has(row.status)) this.bySop.set(row.sopInstanceUid, row);
    // A copy rejected as a duplicate says nothing about its bytes once its SOP is free again.
    if (row.status === 'REJECTED' && row.errorCode === DUPLICATE_SOP_INSTANCE) return;
    const before = this.byHash.get(row.inputSha256);
    if (!before || (!LIVE.has(before.status) && LIVE.has(row.status))) this.byHash.set(row.inputSha256, row);
  }

  /** The live instance with this SOP Instance UID, else a row with the same bytes. */
  match(c: Valid): KnownInstance | undefined {
    return this.bySop.get(c.deid.sop) ?? this.byHash.get(c.inputSha256);
  }
}

/** A file the project already holds, reported as the stored instance (its UIDs once known). */
function duplicateOf(row: KnownInstance, c: Valid): IntakeResult {
  const deid = row.studyInstanceUid && row.seriesInstanceUid && row.sopInstanceUid
    ? { study: row.studyInstanceUid, series: row.seriesInstanceUid, sop: row.sopInstanceUid }
    : c.deid;
  const duplicate = row.inputSha256 === c.inputSha256 ? 'SAME_BYTES' : 'SAME_SOP_INSTANCE';
  return { ok: true, instanceId: row.id, status: row.status, duplicate, sopClassUid: row.sopClassUid ?? c.check.sopClassUid, deid };
}

/** Rows to insert and raw objects to store for a batch; results in input order. */
interface Plan {
  rows: IntakeRow[];
  fresh: { key: string; bytes: Buffer; sha256: string; instanceId: string }[];
  results: IntakeResult[];
}

function planBatch(target: IntakeTarget, checked: Checked[], known: KnownInstances): Plan {
  const plan: Plan = { rows: [], fresh: [], results: [] };
  for (const c of checked) {
    const base = { orgId: target.orgId, projectId: target.projectId, uploadId: target.uploadId, inputSha256: c.inputSha256 };
    if (!isValid(c)) {
      // A row even for refused files, so the upload's status lists every file with its reason.
      const instanceId = randomUUID();
      plan.rows.push({ ...base, id: instanceId, status: 'REJECTED', errorCode: c.check.code });
      plan.results.push({ ...c.check, instanceId });
      continue;
    }
    const same = known.match(c);
    if (same) {
      plan.results.push(duplicateOf(same, c));
      continue;
    }
    const instanceId = randomUUID();
    const key = quarantineKey(target.orgId, target.projectId, instanceId);
    const uids = { sopClassUid: c.check.sopClassUid, studyInstanceUid: c.deid.study, seriesInstanceUid: c.deid.series, sopInstanceUid: c.deid.sop };
    known.add({ id: instanceId, status: 'RECEIVED', errorCode: null, inputSha256: c.inputSha256, ...uids });
    plan.fresh.push({ key, bytes: c.bytes, sha256: c.inputSha256, instanceId });
    plan.rows.push({ ...base, id: instanceId, quarantineKey: key, ...uids });
    plan.results.push({ ok: true, instanceId, status: 'RECEIVED', duplicate: false, sopClassUid: c.check.sopClassUid, deid: c.deid });
  }
  return plan;
}

/**
 * Files whose INSERT lost to a concurrent upload of the same SOP Instance UID (their rows were
 * skipped): their raw objects go at once, and they (and files of this batch reported as their
 * duplicates) are reported as the instance that holds the UID. One lookup and one delete request.
 */
async function yieldToHolders(deps: IntakeDeps, projectId: string, checked: Checked[], plan: Plan, lost: Plan['fresh']): Promise<void> {
  const lostIds = new Set(lost.map((f) => f.instanceId));
  const sops = [...new Set(checked.filter((c, i): c is Valid => isValid(c) && lostIds.has(plan.results[i]!.instanceId ?? '')).map((c) => c.deid.sop))];
  const [holders] = await Promise.all([deps.intake.sopHolders(projectId, sops), deps.store.deleteMany(lost.map((f) => f.key))]);
  plan.results.forEach((result, i) => {
    if (!result.ok || !lostIds.has(result.instanceId)) return;
    const c = checked[i] as Valid;
    const holder = holders.get(c.deid.sop);
    // The conflicting row was committed (ON CONFLICT waits for it); only a deleted project removes it.
    if (!holder) throw new Error('The instance that won a concurrent upload of the same SOP Instance UID is gone');
    plan.results[i] = duplicateOf(holder, c);
  });
}

/**
 * Validates and stores a batch of instances, then enqueues their de-identification; results in
 * input order. A fixed number of round trips whatever the batch size: one dedupe query, the
 * quarantine writes in parallel, one INSERT of the rows, one enqueue of the jobs, in that order
 * (an object before its row, a row before its job; the deid-worker's reconciler repairs a crash
 * between two steps). A project holds one instance per SOP Instance UID, the first stored: a file
 * whose SOP (de-identified UID) is already live there, or earlier in the batch, or whose bytes are
 * already stored, is reported as that instance and not stored. Two uploads racing on one SOP both
 * pass the dedupe query; the INSERT's ON CONFLICT keeps one and the other yields (one lookup and
 * one delete request more, only then).
 */
export async function acceptInstances(deps: IntakeDeps, target: IntakeTarget, project: IntakeProject, files: readonly Buffer[]): Promise<IntakeResult[]> {
  const map = (uid: string) => (project.retainUids ? uid : mapUid(project.secret, uid));
  const checked: Checked[] = [];
  // One file at a time: a deflated file holds its inflated data set while it is checked.
  for (const bytes of files) {
    deps.onBytesIn?.(bytes.length);
    const check = await checkPart10(bytes, deps.maxInflatedBytes);
    const inputSha256 = createHash('sha256').update(bytes).digest('hex');
    if (!check.ok) checked.push({ bytes, check, inputSha256 });
    else checked.push({ bytes, check, inputSha256, deid: { study: map(check.studyInstanceUid), series: map(check.seriesInstanceUid), sop: map(check.sopInstanceUid) } });
  }
  const valid = checked.filter(isValid);
  const rows = await deps.intake.known(target.projectId, [...new Set(valid.map((c) => c.inputSha256))], [...new Set(valid.map((c) => c.deid.sop))]);
  const plan = planBatch(target, checked, new KnownInstances(rows));
  // The input hash is the body's: S3 signs it instead of hashing the 100+ KB again.
  await Promise.all(plan.fresh.map((f) => deps.store.put(f.key, f.bytes, { contentType: 'application/dicom', sha256: f.sha256 })));
  const inserted = plan.rows.length > 0 ? await deps.intake.insert(plan.rows) : new Set<string>();
  const lost = plan.fresh.filter((f) => !inserted.has(f.instanceId));
  if (lost.length > 0) await yieldToHolders(deps, target.projectId, checked, plan, lost);
  const queued = plan.fresh.filter((f) => inserted.has(f.instanceId));
  // Per-organization fairness (packages/queue fair.ts): one tenant's burst cannot starve the others.
  await deps.jobs.enqueueMany('InstanceDeidentify', queued.map((f) => ({ requestId: target.requestId, instanceId: f.instanceId, rawBytes: f.bytes.length })), { fairKey: target.orgId });
  return plan.results;
}
