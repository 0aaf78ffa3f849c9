// Issue 11 end to end, through the public API and the real components: synthetic pneumothorax
// studies uploaded over STOW-RS and de-identified by the worker, labels imported by the UIDs the
// client uploaded, a snapshot, a fine-tuning job from the committed reference model run by the
// training orchestrator (the real trainer as a local child process, then the evaluation gate:
// candidate vs base on the sealed test split, ONNX export with parity, registry), `succeeded`, a
// validated version with lineage and evaluation readable through the registry API, released, and
// POST /v1/inferences with that version answers. Postgres, Redis/BullMQ and a filesystem object
// store (the trainer reads it directly; it has no S3 client on this machine).
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB_CATALOG } from '../../packages/contracts/src/index.ts';
import { createProducer } from '../../packages/queue/src/index.ts';
import { FsObjectStore } from '../../packages/storage/src/index.ts';
import { generateStudy, labelNames, studyToDicom, type SyntheticStudy } from '../../packages/synthetic/src/index.ts';
import { startDeidWorkerApp, type DeidWorkerApp } from '../../services/deid-worker/src/index.ts';
import { buildInferenceApp } from '../../services/inference/src/app.ts';
import { bundleMultipart } from '../../services/gateway/test/bundle.multipart.ts';
import { createTestGateway, type TestGateway } from '../../services/gateway/test/gateway.harness.ts';
import { buildOrchestrator } from '../../services/training-orchestrator/src/orchestrator.app.ts';
import { AuditLog } from '../../packages/audit/src/index.ts';
import { CandidateVersions } from '../../packages/registry/src/index.ts';
import { GateEvaluator, TrainerProcess, type Orchestrator } from '../../packages/training/src/index.ts';
import { stowBody } from '../ingest/ingest.harness.ts';

const REFERENCE = resolve(import.meta.dirname, '../../model-bundles/medgrade-cxr-tiny/1');
const TOKEN = 'finetune-e2e-inference-token';
const STUDIES = 40;
/** Small enough for 2 shared cores; a tiny budget cannot beat the base beyond noise, so the job relaxes the margins (recorded in the version's validation). */
const HYPER = { steps: 16, batchSize: 8, lr: 0.001, warmup: 2, checkpointEvery: 8, logEvery: 4 };
const GATE = { exactMatchMargin: 1, macroF1Margin: 1, maxFindingF1Drop: 1 };

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  await new Promise((r) => server.close(r));
  return typeof address === 'object' && address ? address.port : 0;
}

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('fine-tuning end to end: upload → labels → snapshot → job → validated version → release → inference', () => {
  let root: string;
  let gw: TestGateway;
  let worker: DeidWorkerApp;
  let inference: Awaited<ReturnType<typeof buildInferenceApp>>;
  let orchestrator: Orchestrator;
  let jobs: ReturnType<typeof createProducer<typeof JOB_CATALOG>>;
  let admin: string;
  let projectId: string;
  const studies: SyntheticStudy[] = Array.from({ length: STUDIES }, (_, i) => generateStudy(11, i, 'pneumothorax'));

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'finetune-e2e-'));
    const store = new FsObjectStore(join(root, 'objects'));
    const port = await freePort();
    const prefix = `test-${randomBytes(4).toString('hex')}`;
    jobs = createProducer(JOB_CATALOG, { redisUrl: 'redis://127.0.0.1:6379', prefix });
    gw = await createTestGateway({
      REDIS_KEY_PREFIX: prefix, RATE_LIMIT_MAX: '100000', STORAGE_DRIVER: 'fs', STORAGE_FS_ROOT: join(root, 'objects'), INFERENCE_URL: `http://127.0.0.1:${port}`, INFERENCE_SERVICE_TOKEN: TOKEN,
    }, { store, jobs });
    worker = startDeidWorkerApp({ prisma: gw.db.prisma, store, queue: { redisUrl: gw.config.redis.url, prefix }, projectSecretKey: gw.config.secrets.projectSecretKeyBytes, auditAnchorKey: gw.config.secrets.auditAnchorKeyBytes, concurrency: 2, maxInflatedBytes: gw.config.ingest.maxInflatedBytes });
    inference = await buildInferenceApp({ store, config: { serviceToken: TOKEN, executionProviders: ['cpu'], intraOpThreads: 1, interOpThreads: 1, memoryBudgetMb: 256, maxBatchSize: 8, maxQueueDelayMs: 0, requestTimeoutMs: 60_000 } });
    await inference.listen({ host: '127.0.0.1', port });
    const training = { ...gw.config.training, pollMs: 200, workDir: join(root, 'work'), python: '/usr/bin/python3', minRunSeconds: 0 };
    const evaluator = new GateEvaluator({
      store, registry: new CandidateVersions(gw.db.prisma, store, new AuditLog(gw.db.prisma, { anchorKey: gw.config.secrets.auditAnchorKeyBytes })), workRoot: root,
      trainer: new TrainerProcess({ python: '/usr/bin/python3', trainerDir: resolve(import.meta.dirname, '../../services/trainer') }),
    });
    orchestrator = await buildOrchestrator({ prisma: gw.db.prisma, store, storage: { ...gw.config.storage, driver: 'fs', fsRoot: join(root, 'objects') }, training, evaluator });
    orchestrator.start();
    const key = await gw.key('acme', ['admin']);
    admin = key.auth;
    projectId = await gw.project(key.orgId, 'chest');
  }, 120_000);
  afterAll(async () => {
    await orchestrator?.stop();
    await inference?.close();
    await worker?.close();
    await jobs?.close();
    await gw?.close();
    await rm(root, { recursive: true, force: true });
  });

  const call = (method: 'GET' | 'POST', url: string, payload?: unknown, type = 'application/json') =>
    gw.app.inject({ method, url, headers: { authorization: admin, ...(payload !== undefined ? { 'content-type': type } : {}) }, ...(payload !== undefined ? { payload: typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload) } : {}) });

  it('fine-tunes the reference model on uploaded studies into a validated, released version that answers inferences', async () => {
    // Upload and de-identify.
    const { body, contentType } = stowBody(studies.map((s) => studyToDicom(s)));
    expect((await call('POST', `/dicomweb/studies?projectId=${projectId}`, body, contentType)).statusCode).toBe(200);
    await until('de-identification', async () => ((await gw.db.prisma.instance.count({ where: { projectId, status: 'READY' } })) === STUDIES ? true : undefined), 120_000);

    // The reference model, released by an explicit override (it has no base to be gated against).
    expect((await call('POST', '/v1/models', { name: 'medgrade-cxr-tiny' })).statusCode).toBe(201);
    const up = await bundleMultipart(REFERENCE);
    expect((await gw.app.inject({ method: 'POST', url: '/v1/models/medgrade-cxr-tiny/versions', headers: { ...up.headers, authorization: admin }, payload: up.payload })).statusCode).toBe(201);
    expect((await call('POST', '/v1/models/medgrade-cxr-tiny/versions/1/release', { reason: 'reference model', override: true })).statusCode).toBe(200);

    // Labels by the UIDs the client uploaded, then a snapshot.
    const dataset = (await call('POST', '/v1/datasets', { name: 'ptx', projectId, task: 'report-generation' })).json();
    const names = labelNames('pneumothorax');
    const rows = studies.map((s) => JSON.stringify({ studyInstanceUid: s.uids.study, labels: Object.fromEntries(names.map((n, i) => [n, s.labels[i]])), report: s.report, site: s.site.id }));
    const imported = await call('POST', `/v1/datasets/${dataset.id}/labels`, rows.join('\n'), 'application/x-ndjson');
    expect(imported.statusCode).toBe(200);
    const snapshot = await call('POST', `/v1/datasets/${dataset.id}/snapshots`, { seed: 3, split: { val: 0.1, test: 0.3 } });
    expect(snapshot.statusCode).toBe(201);

    // The job, through the orchestrator and the gate.
    const created = await call('POST', '/v1/finetune-jobs', { baseModel: 'medgrade-cxr-tiny@1', datasetSnapshotId: snapshot.json().id, method: 'full', hyperparameters: HYPER, gate: GATE, seed: 5 });
    expect(created.statusCode).toBe(202);
    const job = await until('the job to finish', async () => {
      const j = (await call('GET', `/v1/finetune-jobs/${created.json().id}`)).json();
      return ['succeeded', 'failed', 'cancelled'].includes(j.status) ? j : undefined;
    }, 240_000);
    expect(job).toMatchObject({ status: 'succeeded', modelVersionId: expect.any(String), errorCode: null });

    // A validated version with lineage and its evaluation, readable through the registry API.
    const versions = (await call('GET', '/v1/models/medgrade-cxr-tiny/versions')).json().items as { id: string; version: string; status: string }[];
    const version = versions.find((v) => v.id === job.modelVersionId)!;
    expect(version).toMatchObject({ version: `ft-${job.id}`, status: 'validated' });
    const detail = (await call('GET', `/v1/models/medgrade-cxr-tiny/versions/${version.version}`)).json();
    expect(detail.manifest.lineage).toMatchObject({
      finetuneJobId: job.id, datasetSnapshotId: snapshot.json().id, datasetSnapshotSha256: snapshot.json().sha256, baseModel: 'medgrade-cxr-tiny@1', method: 'full', hyperparameters: HYPER, seed: 5,
    });
    expect(detail.validation).toMatchObject({ finetuneJobId: job.id, gate: { passed: true }, policy: expect.objectContaining(GATE), bootstrapSeed: 5, testSnapshot: { id: snapshot.json().id } });
    expect(detail.validation.candidate.overall.n).toBe(snapshot.json().stats.test.studies);
    expect(Object.keys(detail.validation.candidate.overall.findings)).toEqual(expect.arrayContaining(['pneumothorax_left', 'pneumothorax_right']));
    expect(Object.keys(detail.validation.base.subgroups).sort()).toEqual(['ageBand', 'sex', 'site']);
    expect(detail.evaluation.overall.n).toBe(detail.validation.testSnapshot.n);

    // Released without an override (it passed the gate), and it answers.
    const released = await call('POST', `/v1/models/medgrade-cxr-tiny/versions/${version.version}/release`, { reason: 'passed the gate' });
    expect(released.json()).toMatchObject({ status: 'released' });
    const study = await gw.db.prisma.study.findFirstOrThrow({ where: { projectId } });
    const inferred = await call('POST', '/v1/inferences?wait=true', { models: [`medgrade-cxr-tiny@${version.version}`], input: { studyId: study.id } });
    expect(inferred.statusCode).toBe(200);
    const [result] = inferred.json().results;
    expect(result.model).toMatchObject({ version: version.version, versionId: version.id });
    expect(result.instances[0].text.length).toBeGreaterThan(0);
    expect(result.instances[0].labels).toHaveLength(names.length);
  }, 420_000);
});
