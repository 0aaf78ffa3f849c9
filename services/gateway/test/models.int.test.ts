// Registry and inference API end to end on real Postgres, Redis, a filesystem object store and a
// real inference service listening on a port: auth (401/403/404 across organizations), corrupt
// bundles refused at upload, release audited, synchronous inference with one and two models on an
// uploaded DICOM file that is de-identified in memory. Asynchronous inference (BullMQ worker,
// webhooks): inference-jobs.int.test.ts.
import { execFileSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDicom } from '@medgrade/dicom';
import { buildInferenceApp } from '@medgrade/inference';
import { FsObjectStore } from '@medgrade/storage';
import { CR_IMAGE_STORAGE, crHeader, generateStudy, studyToDicom } from '@medgrade/synthetic';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InferenceServiceClient } from '@medgrade/inference-runs';
import { modelsCommand } from '../../../packages/cli/src/commands/models.command.ts';
import { bundleMultipart } from './bundle.multipart.ts';
import { createTestGateway, type TestGateway } from './gateway.harness.ts';

const BUNDLE = join(import.meta.dirname, '../../../packages/model-runtime/test/fixtures/tiny-bundle');
const TOKEN = 'gateway-test-service-token-123';

describe('model registry and inference API', () => {
  let gw: TestGateway;
  let inference: FastifyInstance;
  let root: string;
  let writer: { auth: string; orgId: string };
  let reader: string;
  let runner: string;
  let admin: string;
  let other: string;
  let projectId: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'gw-models-'));
    const store = new FsObjectStore(join(root, 'objects'));
    inference = await buildInferenceApp({ store, config: { serviceToken: TOKEN, executionProviders: ['cpu'], intraOpThreads: 1, interOpThreads: 1, memoryBudgetMb: 64, maxBatchSize: 8, maxQueueDelayMs: 2, requestTimeoutMs: 30_000 } });
    const url = await inference.listen({ host: '127.0.0.1', port: 0 });
    gw = await createTestGateway({}, { store, inference: new InferenceServiceClient(url, TOKEN, 30_000) });
    writer = await gw.key('models-a', ['models:write', 'models:read', 'inference:run']);
    reader = (await gw.key('models-a', ['models:read'])).auth;
    runner = (await gw.key('models-a', ['inference:run'])).auth;
    admin = (await gw.key('models-a', ['admin'])).auth;
    other = (await gw.key('models-b', ['admin'])).auth;
    projectId = await gw.project(writer.orgId, 'models-a-project');
  });
  afterAll(async () => {
    await gw.close();
    await inference.close();
    await rm(root, { recursive: true, force: true });
  });

  const inject = (method: 'GET' | 'POST', url: string, auth: string | undefined, payload?: object | Buffer, headers: Record<string, string> = {}) =>
    gw.app.inject({ method, url, payload, headers: { ...headers, ...(auth ? { authorization: auth } : {}) } });

  it('creates a model only with models:write, and hides it from other organizations', async () => {
    expect((await inject('POST', '/v1/models', undefined, { name: 'tiny' })).statusCode).toBe(401);
    expect((await inject('POST', '/v1/models', reader, { name: 'tiny' })).statusCode).toBe(403);
    const created = await inject('POST', '/v1/models', writer.auth, { name: 'tiny', description: 'test model' });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ name: 'tiny', latestReleasedVersion: null });
    expect((await inject('POST', '/v1/models', writer.auth, { name: 'tiny' })).statusCode).toBe(409);
    expect((await inject('GET', '/v1/models/tiny', reader)).statusCode).toBe(200);
    expect((await inject('GET', '/v1/models/tiny', other)).statusCode).toBe(404);
    expect((await inject('GET', '/v1/models', other)).json().items).toEqual([]);
  });

  it('refuses corrupt bundles at upload with a 422 naming the problem, storing nothing', async () => {
    const badSha = await bundleMultipart(BUNDLE, (f) => f.set('decoder.onnx', Buffer.concat([f.get('decoder.onnx')!.subarray(0, -1), Buffer.from([0])])));
    const res1 = await inject('POST', '/v1/models/tiny/versions', writer.auth, badSha.payload, badSha.headers);
    expect(res1.statusCode).toBe(422);
    expect(res1.json().error.details.problems).toEqual(['decoder.onnx SHA-256 does not match the manifest']);
    const missing = await bundleMultipart(BUNDLE, (f) => f.delete('vision_encoder.onnx'));
    expect((await inject('POST', '/v1/models/tiny/versions', writer.auth, missing.payload, missing.headers)).json().error.details.problems).toEqual(['vision_encoder.onnx is listed in the manifest but missing']);
    const graph = await bundleMultipart(BUNDLE, (f) => {
      const m = JSON.parse(f.get('manifest.json')!.toString()) as { input: { width: number } };
      m.input.width = 64;
      f.set('manifest.json', Buffer.from(JSON.stringify(m)));
    });
    const res3 = await inject('POST', '/v1/models/tiny/versions', writer.auth, graph.payload, graph.headers);
    expect(res3.statusCode).toBe(422);
    expect(res3.json().error.details.problems).toContain('vision_encoder.onnx: input "pixel_values" axis 3 is 32, manifest says 64');
    expect((await inject('GET', '/v1/models/tiny/versions', reader)).json().items).toEqual([]);
  });

  it('refuses a multipart body without a boundary or cut short with a 400, not a 500 (found by bench:reliability)', async () => {
    for (const [type, body] of [['multipart/form-data', Buffer.from('{"a":')], ['multipart/form-data', Buffer.alloc(0)], ['multipart/form-data; boundary=x', Buffer.from('--x\r\nContent-Disposition: form-data; name="file"; filename="manifest.json"\r\n\r\n{"a":')]] as const) {
      const res = await inject('POST', '/v1/models/tiny/versions', writer.auth, body, { 'content-type': type });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error.message).toContain('multipart/form-data body is malformed or ends early');
    }
    expect((await inject('GET', '/v1/models/tiny/versions', reader)).json().items).toEqual([]);
  });

  it('stores a multipart version as a draft, refuses to overwrite it, and takes a .tar.gz', async () => {
    const up = await bundleMultipart(BUNDLE);
    expect((await inject('POST', '/v1/models/tiny/versions', reader, up.payload, up.headers)).statusCode).toBe(403);
    const res = await inject('POST', '/v1/models/tiny/versions', writer.auth, up.payload, up.headers);
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ version: '1', status: 'draft', objectPrefix: `models/${writer.orgId}/tiny/1` });
    expect((await inject('POST', '/v1/models/tiny/versions', writer.auth, up.payload, up.headers)).statusCode).toBe(409);
    const dir = join(root, 'v2', 'bundle');
    await cp(BUNDLE, dir, { recursive: true });
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as { version: string };
    manifest.version = '2';
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
    execFileSync('tar', ['czf', join(root, 'v2.tar.gz'), '-C', join(root, 'v2'), 'bundle']);
    const tgz = await inject('POST', '/v1/models/tiny/versions', writer.auth, await readFile(join(root, 'v2.tar.gz')), { 'content-type': 'application/gzip' });
    expect(tgz.statusCode).toBe(201);
    expect(tgz.json().version).toBe('2');
    const detail = (await inject('GET', '/v1/models/tiny/versions/2', reader)).json();
    expect(detail.modelCard).toContain('Random weights');
    expect(detail.manifest.name).toBe('medgrade-test-tiny');
  });

  it('releases a draft only with admin, a reason and an explicit override, and audits the override', async () => {
    expect((await inject('POST', '/v1/models/tiny/versions/1/release', writer.auth, { reason: 'validated on site data', override: true })).statusCode).toBe(403);
    expect((await inject('POST', '/v1/models/tiny/versions/1/release', admin, { override: true })).statusCode).toBe(400);
    const refused = await inject('POST', '/v1/models/tiny/versions/1/release', admin, { reason: 'validated on site data' });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error).toMatchObject({ code: 'MODEL_NOT_VALIDATED', message: expect.stringContaining('"override": true') });
    const detail = (await inject('GET', '/v1/models/tiny/versions/1', reader)).json();
    expect(detail).toMatchObject({ status: 'draft', validation: null, validatedAt: null });
    const res = await inject('POST', '/v1/models/tiny/versions/1/release', admin, { reason: 'validated on site data', override: true });
    expect(res.json()).toMatchObject({ status: 'released' });
    expect((await inject('GET', '/v1/models/tiny', reader)).json().latestReleasedVersion).toBe('1');
    const events = await gw.db.prisma.auditEvent.findMany({ where: { orgId: writer.orgId, action: 'model.version.release' } });
    expect(events).toHaveLength(1);
    expect(events[0]?.details).toMatchObject({ reason: 'validated on site data', version: '1', from: 'DRAFT', override: true });
    expect((await inject('POST', '/v1/models/tiny/versions/1/release', admin, { reason: 'again', override: true })).statusCode).toBe(409);
  });

  it('releases a validated version without an override (audited override: false)', async () => {
    const up = await bundleMultipart(BUNDLE, (files) => {
      const m = JSON.parse(files.get('manifest.json')!.toString()) as { version: string };
      files.set('manifest.json', Buffer.from(JSON.stringify({ ...m, version: 'v-validated' })));
    });
    expect((await inject('POST', '/v1/models/tiny/versions', writer.auth, up.payload, up.headers)).statusCode).toBe(201);
    // Only the evaluation gate validates (packages/training, tested there); here the row is set as it leaves it.
    await gw.db.prisma.modelVersion.updateMany({ where: { orgId: writer.orgId, version: 'v-validated' }, data: { status: 'VALIDATED', validatedAt: new Date() } });
    const res = await inject('POST', '/v1/models/tiny/versions/v-validated/release', admin, { reason: 'passed the gate' });
    expect(res.json()).toMatchObject({ status: 'released', validatedAt: expect.any(String) });
    const events = await gw.db.prisma.auditEvent.findMany({ where: { orgId: writer.orgId, action: 'model.version.release', resourceId: res.json().id } });
    expect(events[0]?.details).toMatchObject({ from: 'VALIDATED', override: false });
    expect((await inject('POST', '/v1/models/tiny/versions/v-validated/retire', admin, { reason: 'test done' })).statusCode).toBe(200);
  });

  it('runs a de-identified upload through two models synchronously; drafts need models:write', async () => {
    const dicomBase64 = studyToDicom(generateStudy(3, 0, 'findings')).toString('base64');
    const body = { models: ['tiny', 'tiny@2'], input: { projectId, dicomBase64 } };
    expect((await inject('POST', '/v1/inferences?wait=true', runner, body)).statusCode).toBe(403);
    expect((await inject('POST', '/v1/inferences?wait=true', other, body)).statusCode).toBe(404);
    const res = await inject('POST', '/v1/inferences?wait=true', writer.auth, body);
    expect(res.statusCode).toBe(200);
    const out = res.json();
    expect(out.status).toBe('succeeded');
    expect(out.results.map((r: { model: { version: string } }) => r.model.version)).toEqual(['1', '2']);
    for (const r of out.results) {
      expect(typeof r.instances[0].text).toBe('string');
      expect(r.instances[0].labels).toHaveLength(4);
    }
    expect(out.results[0].instances[0].text).toBe(out.results[1].instances[0].text); // same weights
    const audit = await gw.db.prisma.auditEvent.findMany({ where: { orgId: writer.orgId, resourceId: out.id } });
    expect(audit.map((e) => e.action).sort()).toEqual(['inference.complete', 'inference.create']);
    expect(JSON.stringify(await gw.db.prisma.inference.findUnique({ where: { id: out.id } }))).not.toContain(dicomBase64.slice(0, 64));
  });

  it('applies the project\'s burned-in policy to an uploaded file: held for review means not sent to a model (issue 14.4)', async () => {
    const study = generateStudy(3, 1, 'findings');
    const burnedIn = createDicom({
      sopClassUid: CR_IMAGE_STORAGE,
      sopInstanceUid: study.uids.sop,
      elements: [...crHeader(study).filter((e) => e.tag !== 0x00080016 && e.tag !== 0x00080018 && e.tag !== 0x00280301), { tag: 0x00280301, vr: 'CS', value: 'YES' }],
    });
    const reviewed = await gw.project(writer.orgId, 'models-a-review');
    await gw.db.prisma.project.update({ where: { id: reviewed }, data: { burnedInPolicy: 'QUARANTINE' } });
    const body = { models: ['tiny@2'], input: { projectId: reviewed, dicomBase64: burnedIn.toString('base64') } };
    const before = await gw.db.prisma.inference.count({ where: { orgId: writer.orgId } });
    const res = await inject('POST', '/v1/inferences?wait=true', writer.auth, body);
    expect(res.statusCode).toBe(422);
    expect(res.json().error.details).toEqual({ reason: 'BURNED_IN_REVIEW' });
    expect(await gw.db.prisma.inference.count({ where: { orgId: writer.orgId } })).toBe(before);
  });

  it('retires a version: it no longer serves and cannot be released again', async () => {
    expect((await inject('POST', '/v1/models/tiny/versions/2/retire', admin, { reason: 'superseded' })).json().status).toBe('retired');
    const dicomBase64 = studyToDicom(generateStudy(3, 3, 'findings')).toString('base64');
    const res = await inject('POST', '/v1/inferences?wait=true', writer.auth, { models: ['tiny@2'], input: { projectId, dicomBase64 } });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.message).toContain('retired');
    expect((await inject('POST', '/v1/models/tiny/versions/2/release', admin, { reason: 'oops' })).statusCode).toBe(409);
  });

  let listening: string | undefined;
  const gatewayUrl = async (): Promise<string> => (listening ??= await gw.app.listen({ host: '127.0.0.1', port: 0 }));

  it('registers and releases a bundle with `medgrade models register --override` over the public API', async () => {
    const url = await gatewayUrl();
    const keyFile = join(root, 'admin.key');
    await writeFile(keyFile, admin.replace('Bearer ', ''));
    let out = '';
    const code = await modelsCommand.run(['register', BUNDLE, '--key-file', keyFile, '--name', 'cli-model', '--url', url, '--release', 'registered by the CLI test', '--override'], {
      config: gw.config, stdout: { write: (t: string) => (out += t) }, stderr: { write: () => true },
    });
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual({ name: 'cli-model', version: '1', status: 'released' });
    expect((await inject('GET', '/v1/models/cli-model', reader)).json().latestReleasedVersion).toBe('1');
    const [event] = await gw.db.prisma.auditEvent.findMany({ where: { orgId: writer.orgId, action: 'model.version.release', details: { path: ['name'], equals: 'cli-model' } } });
    expect(event?.details).toMatchObject({ override: true, reason: 'registered by the CLI test' });
  });

  it('refuses `medgrade models register --release` of a draft without --override, saying how to fix it', async () => {
    const url = await gatewayUrl();
    const keyFile = join(root, 'admin.key');
    await writeFile(keyFile, admin.replace('Bearer ', ''));
    const run = modelsCommand.run(['register', BUNDLE, '--key-file', keyFile, '--name', 'cli-model-2', '--url', url, '--release', 'no override'], {
      config: gw.config, stdout: { write: () => true }, stderr: { write: () => true },
    });
    await expect(run).rejects.toThrow(/MODEL_NOT_VALIDATED/);
    expect((await inject('GET', '/v1/models/cli-model-2', reader)).json().latestReleasedVersion).toBeNull();
  });
});
