// One fault during a stream of uploads (issue 14, "Faults mid-ingest"), shared by
// tests/reliability/faults.int.test.ts (bounded) and `pnpm bench:faults` (500 uploads). A client
// uploads N distinct synthetic instances (one per POST /v1/uploads, retried like the SDK retries a
// refused or cut request) while queued inferences wait; a third of the way in the fault strikes,
// then the process or server comes back. The report lists every broken invariant in `problems`:
// each accepted instance READY exactly once (or REJECTED with a reason), nothing FAILED or stuck,
// one de-identified object per READY row and none other, no raw object left once the reconciler has
// run, the audit chain intact with one event per instance, every accepted inference SUCCEEDED and
// audited once.
import { generateStudy, studyToDicom } from '../../packages/synthetic/src/index.ts';
import { KEY_ROOTS } from '../../packages/storage/src/index.ts';
import { uploadForm } from '../ingest/ingest.harness.ts';
import type { Platform } from './platform.ts';

/** A fault: what strikes, how long it lasts, how the platform is brought back. */
export interface Fault {
  name: string;
  inject(p: Platform): Promise<void>;
  holdMs: number;
  recover(p: Platform): Promise<void>;
}

const none = async () => {};

export const FAULTS: Fault[] = [
  { name: 'gateway SIGKILL', inject: (p) => p.kill('gateway', 'SIGKILL'), holdMs: 1_000, recover: (p) => p.start('gateway') },
  { name: 'deid-worker SIGKILL', inject: (p) => p.kill('deid-worker', 'SIGKILL'), holdMs: 1_000, recover: (p) => p.start('deid-worker') },
  { name: 'inference SIGKILL', inject: (p) => p.kill('inference', 'SIGKILL'), holdMs: 3_000, recover: (p) => p.start('inference') },
  // Down 3 s each; Redis comes back empty (no persistence): every queued job is lost.
  { name: 'redis restart', inject: (p) => p.redis.restart(3_000), holdMs: 0, recover: none },
  { name: 'postgres restart', inject: (p) => p.pg.restart(3_000), holdMs: 0, recover: none },
  { name: 'object store refuses writes 30 s', inject: async (p) => p.s3.refuseWrites(true), holdMs: 30_000, recover: async (p) => p.s3.refuseWrites(false) },
];

/** What one scenario did and every invariant it found broken. */
export interface FaultReport {
  fault: string;
  uploads: number;
  accepted: number;
  /** Answers the client got, by status ("network" for a refused or cut connection). */
  answers: Record<string, number>;
  final: Record<string, number>;
  inferences: { accepted: number; succeeded: number };
  /** From the end of the fault to the first upload accepted after it (null: the stream had ended). */
  recoveryMs: number | null;
  /**
   * The probe sent once the fault is over and the stream done: from the end of the fault until a
   * new upload is READY (behind whatever backlog the fault left) and until an inference on it SUCCEEDED.
   */
  probe: { readyMs: number | null; inferenceMs: number | null };
  /** From the first upload to the last instance and inference final. */
  totalMs: number;
  storeWritesRefused: number;
  problems: string[];
}

export interface ScenarioOptions {
  uploads: number;
  concurrency: number;
  inferences: number;
  seed: number;
  /** Longest wait for everything to settle after the stream. */
  settleMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Retries a probe through the fault (the test's own client meets it too); the last error names what failed. */
async function retrying<T>(fn: () => Promise<T>, attempts = 30, what = 'probe'): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await fn();
    } catch (error) {
      if (i >= attempts) throw new Error(`${what}: ${(error as Error).message} (${attempts} attempts)`, { cause: error });
      await sleep(500);
    }
  }
}

interface Stream {
  accepted: Map<number, { id: string; status: string; errorCode: string | null }>;
  answers: Record<string, number>;
  acceptedAt: number[];
}

async function uploadOne(p: Platform, projectId: string, file: Buffer, stream: Stream, index: number, deadline: number): Promise<void> {
  const { body, contentType } = uploadForm([file]);
  while (Date.now() < deadline) {
    let status = 'network';
    try {
      const res = await fetch(`${p.gatewayUrl}/v1/uploads?projectId=${projectId}`, { method: 'POST', headers: { authorization: p.auth, 'content-type': contentType }, body, signal: AbortSignal.timeout(60_000) });
      status = String(res.status);
      const json = (await res.json().catch(() => undefined)) as { instances?: { id: string | null; status: string; errorCode: string | null }[] } | undefined;
      const instance = json?.instances?.[0];
      if (res.status === 202 && instance?.id) {
        stream.answers[status] = (stream.answers[status] ?? 0) + 1;
        stream.accepted.set(index, { id: instance.id, status: instance.status, errorCode: instance.errorCode });
        stream.acceptedAt.push(Date.now());
        return;
      }
    } catch {
      // refused or cut: the client retries, as the SDK does
    }
    stream.answers[status] = (stream.answers[status] ?? 0) + 1;
    await sleep(500);
  }
}

async function submitInferences(p: Platform, projectId: string, count: number): Promise<string[]> {
  const rows = await p.prisma.study.findMany({ where: { projectId }, select: { id: true }, take: count });
  const ids: string[] = [];
  for (const [i, study] of Array.from({ length: count }, (_, i) => rows[i % Math.max(rows.length, 1)]).entries()) {
    if (!study) break;
    const res = await p.api('POST', '/v1/inferences', { models: ['medgrade-cxr-tiny'], input: { studyId: study.id } }).catch(() => undefined);
    const id = (res?.json as { id?: string } | undefined)?.id;
    if (res?.status === 202 && id) ids.push(id);
    else if (i === 0) throw new Error(`inference submit before the fault: ${res?.status} ${JSON.stringify(res?.json)}`);
  }
  return ids;
}

async function until(probe: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if (await probe().catch(() => false)) return true;
    await sleep(250);
  }
  return false;
}

/** After the fault: a new upload ends READY and an inference on its study SUCCEEDED. */
async function recoveryProbe(p: Platform, projectId: string, file: Buffer, stream: Stream, index: number, since: number, timeoutMs: number): Promise<{ probe: FaultReport['probe']; inferenceId?: string }> {
  await uploadOne(p, projectId, file, stream, index, Date.now() + timeoutMs);
  const id = stream.accepted.get(index)?.id;
  if (!id) return { probe: { readyMs: null, inferenceMs: null } };
  const ready = await until(async () => (await p.prisma.instance.findUnique({ where: { id } }))?.status === 'READY', timeoutMs);
  if (!ready) return { probe: { readyMs: null, inferenceMs: null } };
  const readyMs = Date.now() - since;
  const row = await p.prisma.instance.findUniqueOrThrow({ where: { id }, select: { series: { select: { studyId: true } } } });
  const res = await p.api('POST', '/v1/inferences', { models: ['medgrade-cxr-tiny'], input: { studyId: row.series!.studyId } });
  const inferenceId = (res.json as { id?: string }).id;
  if (res.status !== 202 || !inferenceId) return { probe: { readyMs, inferenceMs: null } };
  const done = await until(async () => (await p.prisma.inference.findUnique({ where: { id: inferenceId } }))?.status === 'SUCCEEDED', timeoutMs);
  return { probe: { readyMs, inferenceMs: done ? Date.now() - since : null }, inferenceId };
}

async function settle(p: Platform, projectId: string, inferenceIds: string[], timeoutMs: number): Promise<boolean> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    // A probe that fails (Postgres down, s3rver's listing race) means "not yet".
    const ok = await (async () => {
      const inflight = await p.prisma.instance.count({ where: { projectId, status: { in: ['RECEIVED', 'DEIDENTIFYING'] } } });
      const running = await p.prisma.inference.count({ where: { id: { in: inferenceIds }, status: { in: ['QUEUED', 'RUNNING'] } } });
      const raw = await quarantineKeys(p);
      return inflight === 0 && running === 0 && raw.length === 0;
    })().catch(() => false);
    if (ok) return true;
    await sleep(1_000);
  }
  return false;
}

async function quarantineKeys(p: Platform): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of p.store.list(KEY_ROOTS.quarantine)) keys.push(o.key);
  return keys;
}

/** Runs the stream with the fault a third of the way in, waits for recovery and checks every invariant. */
export async function runFaultScenario(p: Platform, fault: Fault, o: ScenarioOptions): Promise<FaultReport> {
  const projectId = await p.project(`fault-${fault.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}-${o.seed}`);
  // One file more than the stream: the recovery probe's.
  const files = Array.from({ length: o.uploads + 1 }, (_, i) => studyToDicom(generateStudy(o.seed, i, 'findings')));
  const stream: Stream = { accepted: new Map(), answers: {}, acceptedAt: [] };
  const refusedBefore = p.s3.refused();
  const started = Date.now();
  const deadline = started + o.settleMs;
  let inferenceIds: string[] = [];
  let recoveredAt = 0;

  let next = 0;
  const third = Math.ceil(o.uploads / 3);
  let faultDone: Promise<void> | undefined;
  const strike = async () => {
    // Queued inferences on studies already READY, submitted just before the fault strikes.
    await retrying(async () => {
      if ((await p.prisma.study.count({ where: { projectId } })) === 0) throw new Error('no study READY yet');
    }, 240);
    inferenceIds = await submitInferences(p, projectId, o.inferences);
    await fault.inject(p);
    await sleep(fault.holdMs);
    await fault.recover(p);
    recoveredAt = Date.now();
  };
  await Promise.all(Array.from({ length: o.concurrency }, async () => {
    while (next < o.uploads) {
      const index = next++;
      if (index === third) faultDone = strike();
      await uploadOne(p, projectId, files[index]!, stream, index, deadline);
    }
  }));
  await faultDone;
  const { probe, inferenceId } = await recoveryProbe(p, projectId, files[o.uploads]!, stream, o.uploads, recoveredAt, Math.max(deadline - Date.now(), 60_000));
  if (inferenceId) inferenceIds.push(inferenceId);

  const settled = await settle(p, projectId, inferenceIds, Math.max(deadline - Date.now(), 60_000));
  const report = await check(p, projectId, inferenceIds, stream, o.uploads + 1);
  if (probe.readyMs === null || probe.inferenceMs === null) report.problems.unshift(`recovery probe: upload READY after ${probe.readyMs ?? 'never'} ms, inference SUCCEEDED after ${probe.inferenceMs ?? 'never'} ms`);
  if (!settled) report.problems.unshift('did not settle: instances or inferences still in flight, or raw objects left, at the deadline');
  const firstAfter = stream.acceptedAt.filter((t) => t >= recoveredAt).sort((a, b) => a - b)[0];
  return {
    ...report, fault: fault.name, answers: stream.answers, recoveryMs: firstAfter ? firstAfter - recoveredAt : null, probe,
    totalMs: Date.now() - started, storeWritesRefused: p.s3.refused() - refusedBefore,
  };
}

async function check(p: Platform, projectId: string, inferenceIds: string[], stream: Stream, uploads: number): Promise<Omit<FaultReport, 'fault' | 'answers' | 'recoveryMs' | 'probe' | 'totalMs' | 'storeWritesRefused'>> {
  const problems: string[] = [];
  const rows = await retrying(() => p.prisma.instance.findMany({ where: { projectId }, select: { id: true, status: true, errorCode: true, sopInstanceUid: true, objectKey: true, quarantineKey: true } }));
  const byId = new Map(rows.map((r) => [r.id, r]));
  const final: Record<string, number> = {};
  for (const r of rows) final[r.status] = (final[r.status] ?? 0) + 1;
  if (stream.accepted.size < uploads) problems.push(`${uploads - stream.accepted.size} of ${uploads} uploads never accepted before the deadline`);
  for (const [index, a] of stream.accepted) {
    const row = byId.get(a.id);
    if (!row) problems.push(`upload ${index}: accepted as ${a.id}, no such row`);
    else if (row.status === 'REJECTED' ? !row.errorCode : row.status !== 'READY') problems.push(`upload ${index}: ${row.status} ${row.errorCode ?? ''}`.trim());
  }
  for (const r of rows) {
    if (r.status !== 'READY' && r.status !== 'REJECTED') problems.push(`row ${r.id}: ${r.status} ${r.errorCode ?? ''}`.trim());
    if (r.quarantineKey) problems.push(`row ${r.id}: ${r.status} keeps its raw object`);
  }
  const ready = rows.filter((r) => r.status === 'READY');
  if (new Set(ready.map((r) => r.sopInstanceUid)).size !== ready.length) problems.push('two READY rows share a SOP Instance UID');
  if (new Set([...stream.accepted.values()].map((a) => byId.get(a.id)?.sopInstanceUid)).size !== stream.accepted.size) problems.push('two uploads answered with the same instance');
  if ((final.READY ?? 0) !== uploads) {
    const others = rows.filter((r) => r.status !== 'READY').map((r) => `${r.status} ${r.errorCode ?? ''}`.trim());
    problems.push(`${final.READY ?? 0} READY for ${uploads} distinct uploads (the others: ${others.join(', ')})`);
  }

  // Objects: one de-identified object per READY row of the organization, no raw object anywhere.
  const orgReady = await retrying(() => p.prisma.instance.findMany({ where: { orgId: p.orgId, status: 'READY' }, select: { objectKey: true } }));
  // s3rver answers a listing 500 now and then when an object goes away under it: list again.
  const deid = await retrying(async () => {
    const keys: string[] = [];
    for await (const obj of p.store.list(KEY_ROOTS.deid)) keys.push(obj.key);
    return keys;
  }, 120, 'listing deid/');
  const expected = new Set(orgReady.map((r) => r.objectKey));
  const extra = deid.filter((k) => !expected.has(k)).length;
  const missing = [...expected].filter((k) => !deid.includes(k!)).length;
  if (extra || missing) problems.push(`de-identified objects: ${extra} without a READY row, ${missing} READY rows without their object`);
  const raw = await retrying(() => quarantineKeys(p), 120, 'listing quarantine/');
  if (raw.length > 0) problems.push(`${raw.length} raw objects left in quarantine`);

  // Audit: one event per instance, the chain intact.
  const events = await retrying(() => p.prisma.auditEvent.groupBy({ by: ['resourceId'], where: { action: 'instance.deidentified', resourceId: { in: ready.map((r) => r.id) } }, _count: true }));
  const twice = events.filter((e) => e._count !== 1).length;
  if (events.length !== ready.length || twice) problems.push(`audit: ${events.length} instances with an instance.deidentified event for ${ready.length} READY, ${twice} with more than one`);
  const verify = await retrying(() => p.api('GET', '/v1/audit/verify'));
  if (verify.status !== 200 || !(verify.json as { intact?: boolean }).intact) problems.push(`audit chain: ${verify.status} ${JSON.stringify(verify.json)}`);

  // Inferences: each accepted one SUCCEEDED and completed once.
  const inferences = await retrying(() => p.prisma.inference.findMany({ where: { id: { in: inferenceIds } }, select: { id: true, status: true, errorCode: true } }));
  const succeeded = inferences.filter((i) => i.status === 'SUCCEEDED').length;
  for (const i of inferences) if (i.status !== 'SUCCEEDED') problems.push(`inference ${i.id}: ${i.status} ${i.errorCode ?? ''}`.trim());
  const completions = await retrying(() => p.prisma.auditEvent.groupBy({ by: ['resourceId'], where: { action: 'inference.complete', resourceId: { in: inferenceIds } }, _count: true }));
  if (completions.length !== inferenceIds.length || completions.some((c) => c._count !== 1)) problems.push(`inference.complete audited for ${completions.length} of ${inferenceIds.length} inferences, ${completions.filter((c) => c._count !== 1).length} more than once`);
  return { uploads, accepted: stream.accepted.size, final, inferences: { accepted: inferenceIds.length, succeeded }, problems };
}
