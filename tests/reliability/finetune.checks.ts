// The invariants a fine-tuning job must hold after a fault (finetune.scenario.ts), each broken one
// a line in `problems`: the job ends `succeeded` exactly once with one VALIDATED version, readable
// through the gateway; its attempts and their `attempt.ended` causes are the ones the fault
// explains; its event stream is numbered 1…n with no gap or duplicate; steps rise within each
// attempt and a later attempt resumes from the last checkpoint an earlier one uploaded; no trainer
// is left running; the store holds under the job's folder only what the platform keeps there and
// under the version's folder exactly the files its manifest lists; the audit chain is intact.
import { chunkNumber, finetuneKeys } from '../../packages/storage/src/index.ts';
import type { Platform } from './platform.ts';

interface EventItem {
  seq: number;
  type: string;
  attempt: number | null;
  data: Record<string, unknown>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every event of the job, paged through the gateway as a client follows them. */
async function eventsThroughGateway(p: Platform, jobId: string): Promise<EventItem[]> {
  const items: EventItem[] = [];
  for (let after = 0; ;) {
    const page = await p.api('GET', `/v1/finetune-jobs/${jobId}/events?after=${after}&limit=1000`);
    const body = page.json as { items: EventItem[]; next: number };
    if (page.status !== 200) throw new Error(`GET events: ${page.status} ${JSON.stringify(page.json)}`);
    items.push(...body.items);
    if (body.items.length === 0) return items;
    after = body.next;
  }
}

async function keysUnder(p: Platform, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of p.store.list(prefix)) keys.push(o.key);
  return keys;
}

function checkEvents(events: EventItem[], eventSeq: number, causes: (string | null)[], steps: number, problems: string[]): (string | null)[] {
  const seqs = events.map((e) => e.seq);
  if (seqs.some((s, i) => s !== i + 1) || seqs.length !== eventSeq) problems.push(`event seq not 1…${eventSeq} without gaps or duplicates: ${seqs.length} events, first break at index ${seqs.findIndex((s, i) => s !== i + 1)}`);
  const succeeded = events.filter((e) => e.type === 'state' && e.data.to === 'succeeded').length;
  if (succeeded !== 1) problems.push(`${succeeded} transitions to succeeded`);
  const ended = events.filter((e) => e.type === 'attempt.ended');
  const seen = ended.map((e) => (e.data.cause as string | null) ?? null);
  if (JSON.stringify(ended.map((e) => e.attempt)) !== JSON.stringify(causes.map((_, i) => i + 1)) || JSON.stringify(seen) !== JSON.stringify(causes)) {
    problems.push(`attempt.ended causes ${JSON.stringify(seen)} (attempts ${JSON.stringify(ended.map((e) => e.attempt))}), expected ${JSON.stringify(causes)}`);
  }
  let lastCheckpoint = 0;
  for (let n = 1; n <= Math.max(causes.length, ended.length); n++) {
    const mine = events.filter((e) => e.attempt === n);
    const stepNumbers = mine.filter((e) => e.type === 'step').map((e) => e.data.step as number);
    if (stepNumbers.some((s, i) => i > 0 && s <= stepNumbers[i - 1]!)) problems.push(`attempt ${n}: steps not strictly increasing`);
    if (n > 1) {
      const resume = mine.find((e) => e.type === 'resume')?.data.step ?? 0;
      if (lastCheckpoint > 0 && resume !== lastCheckpoint) problems.push(`attempt ${n} resumed from step ${String(resume)}, the last uploaded checkpoint was step ${lastCheckpoint}`);
      if (stepNumbers[0] !== undefined && stepNumbers[0] !== Number(resume) + 1) problems.push(`attempt ${n}: first step ${stepNumbers[0]} after resuming at ${String(resume)}`);
    }
    for (const c of mine.filter((e) => e.type === 'checkpoint')) lastCheckpoint = Math.max(lastCheckpoint, c.data.step as number);
    if (n === causes.length && stepNumbers.at(-1) !== steps) problems.push(`the last attempt's last step is ${stepNumbers.at(-1)}, not ${steps}`);
  }
  return seen;
}

/** Under the job's folder: the newest two checkpoints, the weights, each attempt's chunks (all followed), the evaluation. */
async function checkJobObjects(p: Platform, orgId: string, jobId: string, attempts: { n: number; eventChunks: number }[], lastCheckpointStep: number | null, problems: string[]): Promise<void> {
  const keys = finetuneKeys(orgId, jobId);
  const found = await keysUnder(p, keys.prefix);
  const checkpoints = found.filter((k) => k.startsWith(keys.checkpoints));
  const steps = checkpoints.map((k) => Number(/step-(\d+)\.pt$/.exec(k)?.[1] ?? NaN));
  if (checkpoints.length > 2 || steps.some(Number.isNaN)) problems.push(`checkpoints: ${checkpoints.length} objects (the trainer keeps the newest two): ${checkpoints.map((k) => k.slice(keys.prefix.length)).join(', ')}`);
  if (lastCheckpointStep !== null && Math.max(...steps) !== lastCheckpointStep) problems.push(`newest checkpoint object step ${Math.max(...steps)}, the job says ${lastCheckpointStep}`);
  const expected = new Set([keys.model, `${keys.evaluation}candidate.evaluation.json`, `${keys.evaluation}base.evaluation.json`, `${keys.evaluation}gate.json`]);
  for (const key of expected) if (!found.includes(key)) problems.push(`missing ${key.slice(keys.prefix.length)}`);
  const rows = new Map(attempts.map((a) => [a.n, a]));
  const chunks = new Map<number, number[]>();
  for (const key of found) {
    if (expected.has(key) || checkpoints.includes(key)) continue;
    const m = /^attempts\/(\d+)\/(events|log)\//.exec(key.slice(keys.prefix.length));
    const row = m ? rows.get(Number(m[1])) : undefined;
    if (!m || !row || chunkNumber(key) === null) {
      problems.push(`orphan object ${key.slice(keys.prefix.length)}`);
      continue;
    }
    if (m[2] === 'events') chunks.set(row.n, [...(chunks.get(row.n) ?? []), chunkNumber(key)!]);
  }
  for (const a of attempts) {
    const n = (chunks.get(a.n) ?? []).sort((x, y) => x - y);
    if (n.length !== a.eventChunks || n.some((c, i) => c !== i + 1)) problems.push(`attempt ${a.n}: event chunks ${JSON.stringify(n)} in the store, ${a.eventChunks} followed`);
  }
}

/** The registered candidate: one VALIDATED version ft-<job>, its folder holding exactly its manifest's files. */
async function checkVersion(p: Platform, jobId: string, modelVersionId: string | null, problems: string[]): Promise<void> {
  const versions = await p.prisma.modelVersion.findMany({ where: { version: `ft-${jobId}` } });
  if (versions.length !== 1 || versions[0]!.id !== modelVersionId || versions[0]!.status !== 'VALIDATED') {
    problems.push(`model versions ft-${jobId}: ${JSON.stringify(versions.map((v) => [v.id, v.status]))}, job says ${modelVersionId}`);
    return;
  }
  const version = versions[0]!;
  const files = ((version.manifest as { files?: { path: string }[] }).files ?? []).map((f) => `${version.objectPrefix}/${f.path}`);
  const wanted = new Set([...files, `${version.objectPrefix}/manifest.json`]);
  const found = await keysUnder(p, `${version.objectPrefix}/`);
  const extra = found.filter((k) => !wanted.has(k));
  const missing = [...wanted].filter((k) => !found.includes(k));
  if (extra.length || missing.length) problems.push(`version folder: ${extra.length} objects its manifest does not list, ${missing.length} listed files missing`);
  const viaGateway = await p.api('GET', `/v1/models/medgrade-cxr-tiny/versions/ft-${jobId}`);
  if (viaGateway.status !== 200 || (viaGateway.json as { status?: string }).status !== 'validated') problems.push(`GET version ft-${jobId}: ${viaGateway.status} ${(viaGateway.json as { status?: string }).status}`);
}

/** Checks every invariant of a finished job; returns its attempts' causes and what is broken. */
export async function checkFinetuneJob(p: Platform, jobId: string, causes: (string | null)[], steps: number): Promise<{ attempts: number; causes: (string | null)[]; problems: string[] }> {
  const problems: string[] = [];
  const viaGateway = await p.api('GET', `/v1/finetune-jobs/${jobId}`);
  const dto = viaGateway.json as { status?: string; attempts?: number; modelVersionId?: string | null; errorCode?: string | null };
  if (viaGateway.status !== 200 || dto.status !== 'succeeded' || !dto.modelVersionId) problems.push(`GET /v1/finetune-jobs/${jobId}: ${viaGateway.status} ${dto.status} ${dto.errorCode ?? ''}`.trim());
  const job = await p.prisma.finetuneJob.findUniqueOrThrow({ where: { id: jobId } });
  const attempts = await p.prisma.finetuneAttempt.findMany({ where: { jobId }, orderBy: { n: 'asc' } });
  if (job.attemptCount !== causes.length || attempts.length !== causes.length) problems.push(`${job.attemptCount} attempts (${attempts.length} rows), expected ${causes.length}`);
  const rowCauses = attempts.map((a) => a.cause);
  if (JSON.stringify(rowCauses) !== JSON.stringify(causes)) problems.push(`attempt rows' causes ${JSON.stringify(rowCauses)}, expected ${JSON.stringify(causes)}`);
  const seen = checkEvents(await eventsThroughGateway(p, jobId), job.eventSeq, causes, steps, problems);
  await checkVersion(p, jobId, job.modelVersionId, problems);
  await checkJobObjects(p, job.orgId, jobId, attempts, job.lastCheckpointStep, problems);
  // The evaluation's own trainer runs are not attempts; an attempt's trainer is gone once the job is.
  let left = p.trainerPids();
  for (let i = 0; i < 20 && left.length > 0; i++) left = (await sleep(250), p.trainerPids());
  if (left.length > 0) problems.push(`${left.length} trainer processes still running`);
  const created = await p.prisma.auditEvent.count({ where: { action: 'finetune.create', resourceId: jobId } });
  if (created !== 1) problems.push(`finetune.create audited ${created} times`);
  const verify = await p.api('GET', '/v1/audit/verify');
  if (verify.status !== 200 || !(verify.json as { intact?: boolean }).intact) problems.push(`audit chain: ${verify.status} ${JSON.stringify(verify.json)}`);
  return { attempts: job.attemptCount, causes: seen, problems };
}
