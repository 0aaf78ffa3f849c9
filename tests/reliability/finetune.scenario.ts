// Fine-tuning jobs under faults (issue 14, "Faults mid-ingest … the same for fine-tuning jobs"),
// on the platform's real processes with the training orchestrator (platform.ts `training: true`).
// A snapshot is made through the public API as a user makes one (synthetic studies uploaded and
// de-identified, labels by StudyInstanceUID, a snapshot); then, per fault, a job is submitted with
// POST /v1/finetune-jobs, and once its trainer has uploaded a checkpoint the fault strikes while the
// job is `running`. The report lists every broken invariant in `problems` (finetune.checks.ts).
import { generateStudy, labelNames, studyToDicom } from '../../packages/synthetic/src/index.ts';
import { finetuneKeys, getBuffer } from '../../packages/storage/src/index.ts';
import { LOOSE_GATE, TINY } from '../../services/training-orchestrator/test/harness.ts';
import { uploadForm } from '../ingest/ingest.harness.ts';
import { checkFinetuneJob } from './finetune.checks.ts';
import type { Platform } from './platform.ts';

/** A fault that strikes a running job; `thaw` lets its (frozen) trainer go on, at the point the fault chooses. */
export interface FinetuneFault {
  name: string;
  strike(p: Platform, thaw: () => void): Promise<void>;
  /** The `cause` of each attempt's `attempt.ended` event the fault explains (null: the attempt succeeded). */
  causes: (string | null)[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Every fault leaves the job one attempt: the trainer runs detached from its orchestrator and needs
// neither the gateway, nor Redis, nor Postgres (it reaches only the object store), so none of these
// faults touches it; and a store that refuses writes for 30 s is waited out by its writes (bounded
// retries), not turned into a lost attempt.
export const FINETUNE_FAULTS: FinetuneFault[] = [
  // The trainer keeps training alone; the next orchestrator takes the lapsed lease and re-attaches by pid@starttime.
  { name: 'training-orchestrator SIGKILL', causes: [null], strike: async (p, thaw) => {
    await p.kill('training-orchestrator', 'SIGKILL');
    thaw();
    await sleep(1_000);
    await p.start('training-orchestrator');
  } },
  { name: 'gateway SIGKILL', causes: [null], strike: async (p, thaw) => {
    await p.kill('gateway', 'SIGKILL');
    thaw();
    await sleep(1_000);
    await p.start('gateway');
  } },
  // Down 3 s each; Redis comes back empty. The orchestrator's passes fail while Postgres is down.
  { name: 'redis restart', causes: [null], strike: async (p, thaw) => {
    thaw();
    await p.redis.restart(3_000);
  } },
  { name: 'postgres restart', causes: [null], strike: async (p, thaw) => {
    const back = p.pg.restart(3_000); // stopped before this returns
    thaw();
    await back;
  } },
  // The trainer's event chunks, checkpoints and weights, and the orchestrator's writes, meet 503s.
  { name: 'object store refuses writes 30 s', causes: [null], strike: async (p, thaw) => {
    p.s3.refuseWrites(true);
    thaw();
    await sleep(30_000);
    p.s3.refuseWrites(false);
  } },
];

// TINY's settings with more steps: a wider window between the first checkpoint and the end to strike in.
export const HYPER = { ...TINY, steps: 64 };
export const BASE_MODEL = 'medgrade-cxr-tiny';

/** What one fault did to its job, and every invariant it found broken. */
export interface FinetuneFaultReport {
  fault: string;
  jobId: string;
  /** POST to a final status. */
  jobMs: number;
  attempts: number;
  causes: (string | null)[];
  /** The last checkpoint (job row) when the fault struck. */
  checkpointAtFault: number | null;
  /** From the strike to the process or server back (or the store taking writes again). */
  faultMs: number;
  /** From the end of the fault (the process or server back) to the job's next event. */
  recoveryMs: number | null;
  storeWritesRefused: number;
  problems: string[];
}

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs: number, everyMs = 150): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined && value !== false) return value;
    if (Date.now() - start > timeoutMs) throw new Error(`${what}: not reached within ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}

async function post(p: Platform, path: string, body: Buffer | string, contentType: string): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${p.gatewayUrl}${path}`, { method: 'POST', headers: { authorization: p.auth, 'content-type': contentType }, body });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

function ok(res: { status: number; json: unknown }, status: number, what: string): Record<string, unknown> {
  if (res.status !== status) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.json)}`);
  return res.json as Record<string, unknown>;
}

/**
 * A dataset snapshot as a user makes one through the API: `studies` synthetic pneumothorax studies
 * uploaded (POST /v1/uploads) and de-identified, a dataset, labels by the UIDs uploaded, a snapshot.
 */
export async function snapshotThroughApi(p: Platform, studies: number, seed: number): Promise<string> {
  const projectId = await p.project(`finetune-faults-${seed}`);
  const generated = Array.from({ length: studies }, (_, i) => generateStudy(seed, i, 'pneumothorax'));
  for (let i = 0; i < studies; i += 8) {
    const { body, contentType } = uploadForm(generated.slice(i, i + 8).map((s) => studyToDicom(s)));
    ok(await post(p, `/v1/uploads?projectId=${projectId}`, body, contentType), 202, 'upload');
  }
  await until('de-identification', async () => (await p.prisma.instance.count({ where: { projectId, status: 'READY' } })) === studies, 180_000, 500);
  const dataset = ok(await p.api('POST', '/v1/datasets', { name: 'ptx', projectId, task: 'report-generation' }), 201, 'dataset');
  const names = labelNames('pneumothorax');
  const rows = generated.map((s) => JSON.stringify({ studyInstanceUid: s.uids.study, labels: Object.fromEntries(names.map((n, i) => [n, s.labels[i]])), report: s.report, site: s.site.id }));
  ok(await post(p, `/v1/datasets/${dataset.id as string}/labels`, rows.join('\n'), 'application/x-ndjson'), 200, 'labels');
  const snapshot = ok(await p.api('POST', `/v1/datasets/${dataset.id as string}/snapshots`, { seed: 3, split: { val: 0.1, test: 0.3 } }), 201, 'snapshot');
  return snapshot.id as string;
}

/**
 * The trainer's process group of the job's first attempt, once a `checkpoint` event is in its event
 * chunks: the checkpoint is uploaded (the trainer uploads before it says so) and the orchestrator can
 * follow the news even while the trainer is frozen. The store, not the job row: the row follows a
 * poll later, and a tiny job can be done by then.
 */
async function trainerWithCheckpoint(p: Platform, orgId: string, jobId: string): Promise<number> {
  const events = finetuneKeys(orgId, jobId).attempt(1).events;
  await until(`job ${jobId}: a checkpoint event`, async () => {
    for await (const o of p.store.list(events)) if ((await getBuffer(p.store, o.key)).includes('"event":"checkpoint"')) return true;
    return false;
  }, 300_000, 100);
  const attempt = await p.prisma.finetuneAttempt.findFirstOrThrow({ where: { jobId, n: 1, externalId: { not: null } } });
  return Number(attempt.externalId!.split('@')[0]);
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the trainer has exited: nothing to freeze or thaw
  }
}

/** Submits a job, strikes it with the fault once it runs with a checkpoint, waits for the end, checks. */
export async function runFinetuneFault(p: Platform, fault: FinetuneFault, snapshotId: string, seed: number, timeoutMs: number): Promise<FinetuneFaultReport> {
  const started = Date.now();
  const refusedBefore = p.s3.refused();
  const created = ok(await p.api('POST', '/v1/finetune-jobs', { baseModel: `${BASE_MODEL}@1`, datasetSnapshotId: snapshotId, method: 'lora', hyperparameters: HYPER, gate: LOOSE_GATE, seed }), 202, 'POST /v1/finetune-jobs');
  const jobId = created.id as string;
  const problems: string[] = [];
  const pid = await trainerWithCheckpoint(p, p.orgId, jobId);
  // Frozen between "it has a checkpoint" and the strike, so the fault lands mid-training whatever the machine's load.
  signalGroup(pid, 'SIGSTOP');
  let thawed = false;
  const thaw = () => {
    if (!thawed) signalGroup(pid, 'SIGCONT');
    thawed = true;
  };
  // The orchestrator follows the frozen trainer's flushed chunks: the row reaches the checkpoint.
  const atFault = await until('the job row to record the checkpoint', async () => {
    const job = await p.prisma.finetuneJob.findUniqueOrThrow({ where: { id: jobId } });
    return (job.lastCheckpointStep ?? 0) > 0 && job;
  }, 30_000).catch(async () => {
    const [job, attempt] = await Promise.all([p.prisma.finetuneJob.findUniqueOrThrow({ where: { id: jobId } }), p.prisma.finetuneAttempt.findFirst({ where: { jobId, n: 1 } })]);
    problems.push(`the orchestrator did not follow the uploaded checkpoint within 30 s (job ${job.status}, event seq ${job.eventSeq}, attempt chunks followed ${attempt?.eventChunks})`);
    return job;
  });
  if (atFault.status !== 'running') problems.push(`the fault struck a ${atFault.status} job, not a running one`);
  const struckAt = Date.now();
  try {
    await fault.strike(p, thaw);
  } finally {
    thaw();
  }
  const recoveredAt = Date.now();
  const faultMs = recoveredAt - struckAt;
  const seqAtRecovery = await until('the job row after the fault', async () => (await p.prisma.finetuneJob.findUniqueOrThrow({ where: { id: jobId } })).eventSeq, 60_000);
  let recoveryMs: number | null = null;
  const done = await until(`job ${jobId} to finish`, async () => {
    const job = await p.prisma.finetuneJob.findUniqueOrThrow({ where: { id: jobId } });
    if (recoveryMs === null && job.eventSeq > seqAtRecovery) recoveryMs = Date.now() - recoveredAt;
    return ['succeeded', 'failed', 'cancelled'].includes(job.status) && job;
  }, timeoutMs, 250).catch((error: Error) => {
    problems.push(error.message);
    return undefined;
  });
  const jobMs = Date.now() - started;
  const checked = await checkFinetuneJob(p, jobId, fault.causes, HYPER.steps);
  return {
    fault: fault.name, jobId, jobMs, attempts: done?.attemptCount ?? checked.attempts, causes: checked.causes, checkpointAtFault: atFault.lastCheckpointStep,
    faultMs, recoveryMs, storeWritesRefused: p.s3.refused() - refusedBefore, problems: [...problems, ...checked.problems],
  };
}
