// The SDK and the CLI against the real thing: a gateway listening on a port (its own database and
// Redis prefix), the de-identification worker, the S3-protocol store and the inference service
// serving the committed reference model. The first block is the strict TypeScript program the
// SDK promises (no cast, no `any`): upload, poll to READY, list, retrieve bytes, infer, and a
// 4xx caught as a typed MedgradeError. The second runs `medgrade login`, `upload` (200 synthetic
// files from `medgrade synth`, plus the labels.jsonl it writes, which is rejected), `studies ls`.
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childProcessEnv, loadConfig } from '../../packages/config/src/index.ts';
import { generateStudy, studyToDicom, writeSyntheticStudies } from '../../packages/synthetic/src/index.ts';
import { MedgradeError, createMedgrade, retrieveInstanceBytes, uploadFiles, waitForInference, waitForUpload, type FileProgress, type Medgrade } from '../../packages/sdk/src/index.ts';
import { loginCommand } from '../../packages/cli/src/commands/login.command.ts';
import { studiesCommand } from '../../packages/cli/src/commands/studies.command.ts';
import { uploadCommand } from '../../packages/cli/src/commands/upload.command.ts';
import type { CommandContext } from '../../packages/cli/src/command.ts';
import type { IngestEnv } from '../ingest/ingest.harness.ts';
import { startPlatform, type Platform } from '../platform.harness.ts';

const TOKEN = 'sdk-int-inference-token';

describe('SDK and CLI against a running gateway', () => {
  let platform: Platform;
  let env: IngestEnv;
  let baseUrl: string;
  let key: string;
  let mg: Medgrade;
  let dir: string;

  beforeAll(async () => {
    platform = await startPlatform(TOKEN);
    ({ env, baseUrl } = platform);
    key = (await env.gw.key('acme', ['studies:write', 'studies:read', 'inference:run'], env.projectId)).auth.slice('Bearer '.length);
    mg = createMedgrade({ baseUrl, apiKey: key });
    dir = await mkdtemp(join(tmpdir(), 'medgrade-sdk-int-'));
  }, 180_000);

  afterAll(async () => {
    await platform?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('uploads, polls to READY, lists, retrieves bytes, infers and types a 4xx, with no cast', async () => {
    const study = generateStudy(2, 0, 'findings');
    const file = new File([studyToDicom(study)], 'chest.dcm', { type: 'application/dicom' });

    const { data: accepted } = await mg.uploads.create({ body: { file: [file] } });
    expect(accepted.instances.map((i) => i.status)).toEqual(['RECEIVED']);
    const status = await waitForUpload(mg, accepted.uploadId, { timeoutMs: 90_000 });
    const [instance] = status.instances;
    expect(instance?.status).toBe('READY');
    const { studyInstanceUid, seriesInstanceUid, sopInstanceUid } = instance ?? {};
    if (!studyInstanceUid || !seriesInstanceUid || !sopInstanceUid) throw new Error('a READY instance carries its UIDs');

    const { data: studies } = await mg.studies.list({ query: { studyInstanceUid } });
    expect(studies.items).toHaveLength(1);
    const studyId = studies.items[0]!.id;
    const { data: found } = await mg.dicomweb.searchStudies({ query: { StudyInstanceUID: studyInstanceUid } });
    expect(found).toHaveLength(1);

    const bytes = await retrieveInstanceBytes(mg, { study: studyInstanceUid, series: seriesInstanceUid, sop: sopInstanceUid });
    expect(new TextDecoder().decode(bytes.subarray(128, 132))).toBe('DICM');
    const { data: png } = await mg.dicomweb.retrieveRenderedInstance({ path: { study: studyInstanceUid, series: seriesInstanceUid, sop: sopInstanceUid } });
    expect(Array.from(new Uint8Array(await png.arrayBuffer()).subarray(1, 4))).toEqual([0x50, 0x4e, 0x47]); // "PNG"

    const { data: submitted } = await mg.inferences.create({ body: { models: ['medgrade-cxr-tiny'], input: { studyId } } });
    expect(submitted.status).toBe('queued');
    const done = await waitForInference(mg, submitted.id, { timeoutMs: 120_000 });
    expect(done.status).toBe('succeeded');
    expect(done.results[0]?.instances[0]?.text).toEqual(expect.any(String));

    const notFound = await mg.studies.get({ path: { id: '00000000-0000-4000-8000-000000000000' } }).then(() => null, (error: unknown) => error);
    expect(notFound).toBeInstanceOf(MedgradeError);
    if (!(notFound instanceof MedgradeError)) return;
    expect({ status: notFound.status, code: notFound.code }).toEqual({ status: 404, code: 'NOT_FOUND' });
    expect(notFound.requestId).toEqual(expect.any(String));
    const invalid = await mg.studies.get({ path: { id: 'not-a-uuid' } }).then(() => null, (error: unknown) => error);
    expect(invalid instanceof MedgradeError && invalid.code === 'VALIDATION_FAILED' && invalid.status === 400).toBe(true);
    const forbidden = await createMedgrade({ baseUrl, apiKey: (await env.gw.key('acme', ['studies:read'])).auth.slice(7) }).uploads.create({ body: { file: [file] } }).then(() => null, (error: unknown) => error);
    expect(forbidden instanceof MedgradeError ? [forbidden.status, forbidden.code] : forbidden).toEqual([403, 'FORBIDDEN']);
  }, 300_000);

  it('reports each file through uploadFiles: a duplicate, a rejected non-DICOM file', async () => {
    const events: FileProgress[] = [];
    const again = new File([studyToDicom(generateStudy(2, 0, 'findings'))], 'again.dcm');
    const junk = new File(['not dicom'], 'notes.dcm');
    const summary = await uploadFiles(mg, [again, junk], { onProgress: (p) => events.push(p), poll: { timeoutMs: 60_000 } });
    expect({ ...summary, results: undefined }).toMatchObject({ files: 2, ready: 1, rejected: 1, failed: 0, duplicates: 1 });
    expect(summary.uploadIds).toHaveLength(2);
    expect(events.filter((e) => e.index === 1).map((e) => e.state)).toEqual(['uploading', 'received', 'rejected']);
    expect(summary.results[1]?.instances[0]?.errorCode).toEqual(expect.any(String));
  }, 120_000);

  it('medgrade login stores URL and key 0600; upload of 200 synthetic files prints the summary line; studies ls lists them', async () => {
    const configFile = join(dir, 'home', 'medgrade', 'config.json');
    const keyFile = join(dir, 'key');
    await writeFile(keyFile, `${key}\n`);
    const run = async (command: typeof uploadCommand, args: string[], extra: Record<string, string> = {}) => {
      let out = '';
      let err = '';
      const ctx: CommandContext = { config: loadConfig(childProcessEnv({ MEDGRADE_CONFIG_FILE: configFile, MEDGRADE_URL: '', MEDGRADE_API_KEY: '', ...extra })), stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) } };
      const code = await command.run(args, ctx);
      return { code, out, err };
    };
    const login = await run(loginCommand, ['--url', baseUrl, '--key-file', keyFile]);
    expect(login.code).toBe(0);
    expect(JSON.parse(login.out)).toMatchObject({ url: baseUrl, configFile, projectId: env.projectId });
    expect((await stat(configFile)).mode & 0o777).toBe(0o600);

    const synth = join(dir, 'synth');
    await writeSyntheticStudies({ out: synth, count: 200, seed: 11, task: 'findings' });
    const upload = await run(uploadCommand, [synth, '--concurrency', '8']);
    const lines = upload.out.trim().split('\n');
    expect(lines).toHaveLength(1);
    const summary = JSON.parse(lines[0]!);
    expect(Object.keys(summary)).toEqual(['files', 'ready', 'rejected', 'failed', 'duplicates', 'uploadIds']);
    expect(summary).toMatchObject({ files: 201, ready: 200, rejected: 1, failed: 0, duplicates: 0 });
    expect(summary.uploadIds).toHaveLength(201);
    expect(upload.err).toMatch(/^rejected labels\.jsonl: \w+/m);
    expect(upload.code).toBe(0);

    const ls = await run(studiesCommand, ['ls', '--limit', '500']);
    expect(ls.code).toBe(0);
    expect(ls.out.trim().split('\n')).toHaveLength(201); // the 200 plus the study of the first test

    // Environment variables work without a stored login; a wrong key fails with the API's message.
    const bad = await run(studiesCommand, ['ls'], { MEDGRADE_URL: baseUrl, MEDGRADE_API_KEY: 'mgk_000000000000_' + 'x'.repeat(43) }).then(() => null, (error: unknown) => error);
    expect(bad instanceof MedgradeError ? bad.status : bad).toBe(401);
  }, 400_000);
});
