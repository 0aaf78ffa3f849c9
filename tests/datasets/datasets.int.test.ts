// Datasets end to end (real Postgres, Redis/BullMQ, s3rver, the de-identification worker):
// synthetic CR studies uploaded through STOW-RS and de-identified by the worker, labels imported
// by their uploaded UIDs and by de-identified UIDs (with reports whose dates move by the study's
// own shift), a snapshot written to the object store and read back, the test split sealed in
// every response, burned-in studies left out; refusals store nothing; another tenant gets 404.
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childProcessEnv, loadConfig } from '../../packages/config/src/index.ts';
import { decryptProjectSecret } from '../../packages/db/src/index.ts';
import { mapUid } from '../../packages/deid/src/index.ts';
import { SnapshotMetadataSchema } from '../../packages/contracts/src/index.ts';
import { createDicom } from '../../packages/dicom/src/index.ts';
import { getBuffer } from '../../packages/storage/src/index.ts';
import { CR_IMAGE_STORAGE, crHeader, generateStudy, studyToDicom, type SyntheticStudy } from '../../packages/synthetic/src/index.ts';
import { datasetsCommand } from '../../packages/cli/src/commands/datasets.command.ts';
import { createIngestEnv, stowBody, waitFinal, type IngestEnv } from '../ingest/ingest.harness.ts';

const COUNT = 30;
const BURNED = COUNT - 1;
const MAX_BYTES = 64 * 1024;

/** 30 studies; studies 1-4 belong to the patient of study 0 (a patient must never span splits); the last one has burned-in text. */
function cohort(): SyntheticStudy[] {
  const base = Array.from({ length: COUNT }, (_, i) => generateStudy(4242, i, 'findings'));
  return base.map((s, i) => (i >= 1 && i <= 4 ? { ...s, patient: base[0]!.patient } : s));
}

function toDicom(s: SyntheticStudy, burnedIn: boolean): Buffer {
  if (!burnedIn) return studyToDicom(s);
  const elements = crHeader(s).filter((e) => e.tag !== 0x00080016 && e.tag !== 0x00080018);
  return createDicom({ sopClassUid: CR_IMAGE_STORAGE, sopInstanceUid: s.uids.sop, elements: [...elements, { tag: 0x00280301, vr: 'CS', value: 'YES' }] });
}

const labelsOf = (s: SyntheticStudy) => Object.fromEntries(['cardiomegaly', 'opacity_right_upper', 'opacity_right_middle', 'opacity_right_lower', 'opacity_left_upper', 'opacity_left_middle', 'opacity_left_lower', 'effusion_right', 'effusion_left'].map((n, i) => [n, s.labels[i]]));
const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n');
const addDays = (da: string, days: number) => new Date(Date.UTC(+da.slice(0, 4), +da.slice(4, 6) - 1, +da.slice(6, 8)) + days * 86_400_000).toISOString().slice(0, 10);

describe('datasets: labels and snapshots through the API', () => {
  let env: IngestEnv;
  let ft: { auth: string; orgId: string; keyId: string };
  let datasetId: string;
  const studies = cohort();
  beforeAll(async () => {
    env = await createIngestEnv({ worker: true, env: { DATASET_LABELS_MAX_BYTES: String(MAX_BYTES) } });
    await env.gw.db.prisma.project.update({ where: { id: env.projectId }, data: { burnedInPolicy: 'FLAG' } });
    const { body, contentType } = stowBody(studies.map((s, i) => toDicom(s, i === BURNED)));
    const res = await env.gw.app.inject({ method: 'POST', url: `/dicomweb/studies?projectId=${env.projectId}`, headers: { authorization: env.writer.auth, 'content-type': contentType }, payload: body });
    expect(res.statusCode).toBe(200);
    await waitFinal(env);
    ft = await env.gw.key('acme', ['finetune:write', 'studies:read']);
  }, 180_000);
  afterAll(async () => env?.close());

  const prisma = () => env.gw.db.prisma;
  const call = (method: 'GET' | 'POST', url: string, auth: string, payload?: unknown, type = 'application/json') =>
    env.gw.app.inject({ method, url, headers: { authorization: auth, ...(payload !== undefined ? { 'content-type': type } : {}) }, ...(payload !== undefined ? { payload: typeof payload === 'string' ? payload : JSON.stringify(payload) } : {}) });
  const importLabels = (text: string, auth = ft.auth, id = datasetId) => call('POST', `/v1/datasets/${id}/labels`, auth, text, 'application/x-ndjson');

  it('creates a dataset in the project and lists it', async () => {
    expect((await call('POST', '/v1/datasets', ft.auth, { name: 'chest', task: 'report-generation' })).statusCode).toBe(400); // org key: projectId required
    const res = await call('POST', '/v1/datasets', ft.auth, { name: 'chest', projectId: env.projectId, task: 'report-generation' });
    expect(res.statusCode).toBe(201);
    datasetId = res.json().id;
    expect((await call('POST', '/v1/datasets', ft.auth, { name: 'chest', projectId: env.projectId, task: 'report-generation' })).statusCode).toBe(409);
    const list = (await call('GET', '/v1/datasets', ft.auth)).json();
    expect(list.items.map((d: { id: string }) => d.id)).toEqual([datasetId]);
  });

  it('refuses a file with an unknown study, a bad value or a report naming its own patient: 422 per row, nothing stored', async () => {
    const [a, b, c] = studies;
    const text = jsonl([
      { studyInstanceUid: a!.uids.study, labels: labelsOf(a!) },
      { studyInstanceUid: '1.2.3.4.5.6.7', labels: labelsOf(b!) },
      { studyInstanceUid: b!.uids.study, labels: { ...labelsOf(b!), cardiomegaly: 2 } },
      { studyInstanceUid: c!.uids.study, labels: labelsOf(c!), report: `${c!.patient.name.replace('^', ' ')}: ${c!.report}`, patientName: c!.patient.name },
    ]);
    const res = await importLabels(text);
    expect(res.statusCode).toBe(422);
    const { details } = res.json().error;
    expect(details.committed).toBe(false);
    expect(details.results.map((r: { line: number; status: string }) => [r.line, r.status])).toEqual([[1, 'matched'], [2, 'unknown_study'], [3, 'bad_label'], [4, 'report_rejected']]);
    expect(res.body).not.toContain(c!.patient.name.split('^')[0]!);
    expect(await prisma().datasetLabel.count()).toBe(0);
    expect(await prisma().auditEvent.count({ where: { action: 'dataset.labels.import' } })).toBe(0);
  });

  it('answers 413 naming the limit for a file over DATASET_LABELS_MAX_BYTES, 415 for another type', async () => {
    const big = jsonl(Array.from({ length: 2000 }, () => ({ studyInstanceUid: studies[0]!.uids.study, labels: labelsOf(studies[0]!) })));
    const res = await importLabels(big);
    expect(res.statusCode).toBe(413);
    expect(res.json().error.message).toContain('DATASET_LABELS_MAX_BYTES');
    expect((await call('POST', `/v1/datasets/${datasetId}/labels`, ft.auth, 'x', 'text/plain')).statusCode).toBe(415);
  });

  it('imports by uploaded UIDs with de-identified reports, then replaces some by de-identified UIDs', async () => {
    const rows = studies.map((s, i) => ({
      studyInstanceUid: s.uids.study, labels: labelsOf(s), site: s.site.id,
      ...(i < 10 ? { report: `Compared with ${addDays(s.studyDate, -30)}. ${s.report} Dr. ${s.physician.split('^')[0]} informed.`, patientId: s.patient.id } : {}),
    }));
    const res = await importLabels(jsonl(rows));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ committed: true, rows: COUNT, matched: COUNT, replaced: 0 });
    expect(res.json().results.every((r: { matchedBy: string }) => r.matchedBy === 'uploaded_uid')).toBe(true);

    // The report's date moved by the same days as the study's own StudyDate: intervals are kept.
    const s0 = studies[0]!;
    const label = await prisma().datasetLabel.findFirstOrThrow({ where: { datasetId, report: { not: null } }, include: { study: true }, orderBy: { createdAt: 'asc' } });
    const project = await prisma().project.findUniqueOrThrow({ where: { id: env.projectId } });
    const secret = decryptProjectSecret(env.gw.config.secrets.projectSecretKeyBytes, project.secretCiphertext);
    const uploaded = studies.find((s) => mapUid(secret, s.uids.study) === label.study.studyInstanceUid)!;
    const stored = (await prisma().study.findUniqueOrThrow({ where: { id: label.studyId } })).studyDate!;
    const shift = Math.round((stored.getTime() - Date.parse(addDays(uploaded.studyDate, 0))) / 86_400_000);
    expect(shift).toBeLessThan(0);
    expect(label.report).toBe(`Compared with ${addDays(uploaded.studyDate, shift - 30)}. ${uploaded.report} Dr. REMOVED informed.`);
    const all = JSON.stringify(await prisma().datasetLabel.findMany());
    for (const s of studies) {
      expect(all).not.toContain(s.uids.study);
      expect(all).not.toContain(s.patient.id);
    }
    expect(all).not.toContain(s0.physician.split('^')[0]);

    const deid = await prisma().study.findMany({ where: { projectId: env.projectId }, orderBy: { id: 'asc' }, take: 3 });
    const again = await importLabels(jsonl(deid.map((d) => ({ studyInstanceUid: d.studyInstanceUid, labels: (rows.find(() => true)!).labels }))));
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ replaced: 3, matched: 3 });
    expect(again.json().results.every((r: { matchedBy: string }) => r.matchedBy === 'deidentified_uid')).toBe(true);
    // Re-importing the original rows is idempotent: the same labels, one row per study.
    expect((await importLabels(jsonl(rows))).json()).toMatchObject({ replaced: COUNT });
    expect(await prisma().datasetLabel.count({ where: { datasetId } })).toBe(COUNT);
  });

  it('writes a patient-disjoint snapshot without burned-in studies, readable from the store, with its SHA-256', async () => {
    const res = await call('POST', `/v1/datasets/${datasetId}/snapshots`, ft.auth, { seed: 7, split: { val: 0.2, test: 0.2 } });
    expect(res.statusCode).toBe(201);
    const snap = res.json();
    expect(snap.stats.excluded).toEqual({ burnedIn: 1, noImage: 0 });
    expect(snap.stats.train.studies + snap.stats.val.studies + snap.stats.test.studies).toBe(COUNT - 1);
    expect(snap.manifests.train).toBe(`datasets/${ft.orgId}/${datasetId}/snapshots/${snap.id}/train.jsonl`);

    const files = await Promise.all((['train', 'val', 'test'] as const).map((s) => getBuffer(env.store, snap.manifests[s])));
    const digest = createHash('sha256').update(files.map((f, i) => `${['train', 'val', 'test'][i]} ${createHash('sha256').update(f).digest('hex')}\n`).join('')).digest('hex');
    expect(snap.sha256).toBe(digest);
    const meta = SnapshotMetadataSchema.parse(JSON.parse((await getBuffer(env.store, snap.manifests.snapshot)).toString()));
    expect(meta).toMatchObject({ id: snap.id, sha256: digest, seed: 7 });

    const rows = files.map((f) => f.toString().trim().split('\n').map((l) => JSON.parse(l) as { file: string; studyId: string; report: string; labels: Record<string, number>; sex: string; ageBand: string; site: string }));
    const burned = await prisma().instance.findFirstOrThrow({ where: { projectId: env.projectId, burnedInFlag: true } });
    const patientOf = new Map((await prisma().study.findMany({ where: { projectId: env.projectId } })).map((s) => [s.id, s.patientSurrogateId]));
    const patientsBySplit = rows.map((split) => new Set(split.map((r) => patientOf.get(r.studyId))));
    for (const [i, a] of patientsBySplit.entries()) for (const b of patientsBySplit.slice(i + 1)) expect([...a].filter((p) => b.has(p))).toEqual([]);
    for (const r of rows.flat()) {
      expect(r.file).toMatch(new RegExp(`^deid/${ft.orgId}/${env.projectId}/`));
      expect(r.file).not.toBe(burned.objectKey);
      expect(['F', 'M']).toContain(r.sex);
      expect(r.report.length).toBeGreaterThan(10);
      await env.store.head(r.file);
    }
    // Stored labels equal the imported ones; rows without an imported report carry the canonical one.
    const s5 = studies[5]!;
    expect(rows.flat().some((r) => r.report === s5.report && JSON.stringify(r.labels) === JSON.stringify(Object.fromEntries(Object.entries(labelsOf(s5)).sort())))).toBe(true);
    expect(await prisma().datasetSnapshot.update({ where: { id: snap.id }, data: { seed: 8 } }).then(() => 'updated', () => 'refused')).toBe('refused');
  });

  it('seals the test split: no response lists its labels or studies, train and val rows may be listed', async () => {
    const snap = (await call('GET', `/v1/datasets/${datasetId}/snapshots`, ft.auth)).json().items[0];
    const testRows = (await getBuffer(env.store, snap.manifests.test)).toString().trim().split('\n').map((l) => JSON.parse(l) as { studyId: string });
    expect(testRows.length).toBeGreaterThan(0);
    const responses = [
      await call('GET', `/v1/datasets/${datasetId}/snapshots/${snap.id}`, ft.auth),
      await call('GET', `/v1/datasets/${datasetId}/snapshots`, ft.auth),
      await call('GET', `/v1/datasets/${datasetId}`, ft.auth),
      await call('GET', `/v1/datasets/${datasetId}/snapshots/${snap.id}/rows?split=train&limit=1000`, ft.auth),
      await call('GET', `/v1/datasets/${datasetId}/snapshots/${snap.id}/rows?split=val`, ft.auth),
    ];
    for (const r of responses) {
      expect(r.statusCode).toBe(200);
      for (const t of testRows) expect(r.body).not.toContain(t.studyId);
    }
    expect(responses[3]!.json().items).toHaveLength(snap.stats.train.studies);
    expect((await call('GET', `/v1/datasets/${datasetId}/snapshots/${snap.id}/rows?split=test`, ft.auth)).statusCode).toBe(400);
  });

  it("answers 404 for another organization's or another project's key, and audits every write", async () => {
    const other = await env.gw.key('other-org', ['finetune:write', 'studies:read']);
    const otherProject = await env.gw.project(ft.orgId, 'elsewhere');
    const projectKey = await env.gw.key('acme', ['finetune:write', 'studies:read'], otherProject);
    const snapId = (await prisma().datasetSnapshot.findFirstOrThrow()).id;
    for (const auth of [other.auth, projectKey.auth]) {
      expect((await call('GET', `/v1/datasets/${datasetId}`, auth)).statusCode).toBe(404);
      expect((await call('GET', `/v1/datasets/${datasetId}/snapshots/${snapId}`, auth)).statusCode).toBe(404);
      expect((await importLabels(jsonl([{ studyInstanceUid: studies[0]!.uids.study, labels: { a: 1 } }]), auth)).statusCode).toBe(404);
      expect((await call('POST', `/v1/datasets/${datasetId}/snapshots`, auth, { seed: 1, split: { val: 0.1, test: 0.1 } })).statusCode).toBe(404);
      expect((await call('GET', '/v1/datasets', auth)).json().items).toEqual([]);
    }
    expect((await call('POST', '/v1/datasets', projectKey.auth, { name: 'x', projectId: env.projectId, task: 'report-generation' })).statusCode).toBe(404);
    const reader = await env.gw.key('acme', ['studies:read']);
    expect((await call('POST', `/v1/datasets/${datasetId}/snapshots`, reader.auth, { seed: 1, split: { val: 0.1, test: 0.1 } })).statusCode).toBe(403);
    const actions = (await prisma().auditEvent.findMany({ where: { orgId: ft.orgId, action: { startsWith: 'dataset.' } }, orderBy: { seq: 'asc' } })).map((e) => e.action);
    expect(actions).toEqual(['dataset.create', 'dataset.labels.import', 'dataset.labels.import', 'dataset.labels.import', 'dataset.snapshot.create']);
  });

  it('drives the same API from the CLI (medgrade datasets ...) over HTTP with the key', async () => {
    const address = await env.gw.app.listen({ port: 0, host: '127.0.0.1' });
    const dir = mkdtempSync(join(tmpdir(), 'mg-datasets-'));
    const file = join(dir, 'labels.jsonl');
    writeFileSync(file, jsonl(studies.slice(0, 5).map((s) => ({ studyInstanceUid: s.uids.study, labels: labelsOf(s) }))));
    const config = loadConfig(childProcessEnv({ MEDGRADE_URL: address, MEDGRADE_API_KEY: ft.auth.slice('Bearer '.length) }));
    const cli = async (...args: string[]) => {
      let out = '';
      const code = await datasetsCommand.run(args, { config, stdout: { write: (t: string) => (out += t) }, stderr: { write: () => true } });
      return { code, json: JSON.parse(out.trim().split('\n').at(-1)!) };
    };
    const created = await cli('create', '--name', 'cli-set', '--project', env.projectId);
    expect(created.json).toMatchObject({ name: 'cli-set', task: 'report-generation' });
    expect((await cli('labels', created.json.id, file)).json).toMatchObject({ committed: true, matched: 5 });
    const snap = await cli('snapshot', created.json.id, '--seed', '3', '--val', '0.2', '--test', '0.2');
    expect(snap.json.stats.train.studies + snap.json.stats.val.studies + snap.json.stats.test.studies).toBe(5);
    expect((await cli('show', created.json.id)).json.snapshots.map((s: { id: string }) => s.id)).toEqual([snap.json.id]);
    expect((await cli('ls')).json.items).toHaveLength(2);
  });
});
