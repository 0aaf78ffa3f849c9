// The evaluation gate on real components: Postgres (registry rows, audit chain), a filesystem
// object store, the real trainer (evaluate + export with the onnxruntime parity check) and the
// registry's bundle validation. The committed reference model is registered as the base; its own
// weights stand in for a job's trained weights, so the candidate equals the base: the default gate
// must refuse it (its interval is not above the base), a job whose overrides allow equality gets a
// validated version, and re-runs (after a crash, after success) register nothing twice.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AuditLog } from '@medgrade/audit';
import { DEFAULT_GATE_POLICY, ModelValidationSchema } from '@medgrade/contracts';
import { createTestDatabase, type TestDatabase } from '@medgrade/db';
import { CandidateVersions, ModelRegistry, validateBundle } from '@medgrade/registry';
import { FsObjectStore } from '@medgrade/storage';
import { generateStudy, labelRow, studyToDicom } from '@medgrade/synthetic';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { candidateVersion, GateEvaluator } from './candidate.evaluator.ts';
import { EvaluationError } from './evaluation.errors.ts';
import type { EvaluationInput } from './evaluator.ts';
import { TrainerProcess } from './trainer.process.ts';

// The audit anchor key of this test's appends and verification.
const ANCHOR_KEY = randomBytes(32);

const ROOT = resolve(import.meta.dirname, '../../../..');
const REFERENCE = join(ROOT, 'model-bundles/medgrade-cxr-tiny/1');
const TEST_STUDIES = 24;

describe('GateEvaluator (real trainer, Postgres, object store)', () => {
  let db: TestDatabase;
  let dir: string;
  let store: FsObjectStore;
  let evaluator: GateEvaluator;
  let orgId: string;
  let base: { id: string; objectPrefix: string };
  const snapshot = { id: 'snap-1', sha256: 'a'.repeat(64), testManifestKey: '' };

  const input = (jobId: string, gate?: Record<string, unknown>): EvaluationInput => ({
    jobId, orgId, projectId: null, weightsKey: `${base.objectPrefix}/pytorch_model.pt`, baseModelVersionId: base.id, snapshot,
    method: 'lora', hyperparameters: { steps: 10 }, seed: 7, outputPrefix: `finetune/${orgId}/${jobId}/evaluation/`, ...(gate ? { gate } : {}),
  });

  beforeAll(async () => {
    db = await createTestDatabase();
    dir = await mkdtemp(join(tmpdir(), 'gate-eval-'));
    store = new FsObjectStore(join(dir, 'objects'));
    orgId = (await db.prisma.organization.create({ data: { slug: 'gate', name: 'Gate' } })).id;
    const registry = new ModelRegistry(db.prisma, store);
    const files = new Map<string, Uint8Array>();
    for (const f of await readdir(REFERENCE)) files.set(f, await readFile(join(REFERENCE, f)));
    const model = await registry.create({ orgId, projectId: null }, { name: 'medgrade-cxr-tiny' });
    base = await registry.addVersion({ orgId, projectId: null }, model, await validateBundle(files), files);
    const rows: string[] = [];
    for (let i = 0; i < TEST_STUDIES; i++) {
      const study = generateStudy(12, i, 'pneumothorax');
      const key = `deid/${orgId}/p/${i}.dcm`;
      await store.put(key, Buffer.from(studyToDicom(study)));
      rows.push(JSON.stringify(labelRow(study, key)));
    }
    snapshot.testManifestKey = `datasets/${orgId}/ds/snapshots/${snapshot.id}/test.jsonl`;
    await store.put(snapshot.testManifestKey, Buffer.from(rows.join('\n') + '\n'));
    const trainer = new TrainerProcess({ python: '/usr/bin/python3', trainerDir: join(ROOT, 'services/trainer') });
    evaluator = new GateEvaluator({ store, registry: new CandidateVersions(db.prisma, store, new AuditLog(db.prisma, { anchorKey: ANCHOR_KEY })), trainer, workRoot: dir, resamples: 200 });
  }, 120_000);
  afterAll(async () => {
    await db?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps a candidate no better than its base a draft, reusing the evaluations a crashed run kept, with every check stored', async () => {
    const jobId = crypto.randomUUID();
    const real = new CandidateVersions(db.prisma, store, new AuditLog(db.prisma, { anchorKey: ANCHOR_KEY }));
    const crashing = new GateEvaluator({
      store, workRoot: dir, resamples: 200, trainer: new TrainerProcess({ python: '/usr/bin/python3', trainerDir: join(ROOT, 'services/trainer') }),
      registry: { baseVersion: (org, id) => real.baseVersion(org, id), findVersion: async () => null, registerCandidate: () => Promise.reject(new Error('crash')) },
    });
    await expect(crashing.evaluate(input(jobId))).rejects.toThrow(/crash/);
    const cached = `finetune/${orgId}/${jobId}/evaluation/candidate.evaluation.json`;
    const cachedAt = (await store.head(cached)).lastModified;

    const outcome = await evaluator.evaluate(input(jobId));
    expect((await store.head(cached)).lastModified).toEqual(cachedAt);
    expect(outcome).toMatchObject({ version: candidateVersion(jobId), status: 'DRAFT', gate: { passed: false } });
    const check = (name: string) => outcome.gate.checks.find((c) => c.name === name);
    // The base never says "pneumothorax": exact match 0 for both, so that check passes; macro-F1 cannot beat itself.
    expect(check('exactMatch')?.passed).toBe(true);
    expect(check('macroF1')).toMatchObject({ passed: false, detail: expect.stringContaining('lower bound') });
    expect(outcome.gate.checks.map((c) => c.name)).toEqual(expect.arrayContaining(['findingF1.cardiomegaly', 'subgroupGap.sex', 'subgroupGap.ageBand', 'subgroupGap.site']));
    const row = await db.prisma.modelVersion.findUniqueOrThrow({ where: { id: outcome.modelVersionId } });
    expect(row.status).toBe('DRAFT');
    const validation = ModelValidationSchema.parse(row.validation);
    expect(validation.policy).toEqual(DEFAULT_GATE_POLICY);
    expect(validation.candidate.overall).toEqual(validation.base.overall); // same weights, same resamples
    expect(validation.candidate.overall.n).toBe(TEST_STUDIES);
    expect(Object.keys(validation.candidate.overall.findings)).toContain('pneumothorax_left');
    expect(Object.keys(validation.candidate.subgroups).sort()).toEqual(['ageBand', 'sex', 'site']);
  }, 180_000);

  it('validates a candidate that passes the job\'s gate, with lineage in the manifest, audited once across re-runs', async () => {
    const jobId = crypto.randomUUID();
    const gate = { exactMatchMargin: 1, macroF1Margin: 1 };
    const outcome = await evaluator.evaluate(input(jobId, gate));
    expect(outcome).toMatchObject({ status: 'VALIDATED', gate: { passed: true } });
    const row = await db.prisma.modelVersion.findUniqueOrThrow({ where: { id: outcome.modelVersionId } });
    expect(row).toMatchObject({ status: 'VALIDATED', version: `ft-${jobId}`, modelId: (await db.prisma.modelVersion.findUniqueOrThrow({ where: { id: base.id } })).modelId });
    expect(row.validatedAt).toBeInstanceOf(Date);
    expect((row.manifest as { lineage: unknown }).lineage).toMatchObject({
      finetuneJobId: jobId, datasetSnapshotId: snapshot.id, datasetSnapshotSha256: snapshot.sha256, baseModelVersionId: base.id,
      baseModel: 'medgrade-cxr-tiny@1', method: 'lora', hyperparameters: { steps: 10 }, seed: 7, codeVersion: expect.stringMatching(/^medgrade-trainer /),
    });
    expect(ModelValidationSchema.parse(row.validation).policy).toEqual({ ...DEFAULT_GATE_POLICY, ...gate });
    expect(JSON.parse((await readFile(join(dir, 'objects', row.objectPrefix, 'evaluation.json'))).toString()).overall.n).toBe(TEST_STUDIES);

    const again = await evaluator.evaluate(input(jobId, gate));
    expect(again).toEqual(outcome);
    const events = await db.prisma.auditEvent.findMany({ where: { orgId, resourceId: outcome.modelVersionId }, orderBy: { seq: 'asc' } });
    expect(events.map((e) => e.action)).toEqual(['model.version.register', 'model.version.validate']);
    expect(events[1]?.details).toMatchObject({ finetuneJobId: jobId, from: 'DRAFT', to: 'VALIDATED' });
    expect(await new AuditLog(db.prisma, { anchorKey: ANCHOR_KEY }).verify(orgId)).toMatchObject({ intact: true });
  }, 120_000);

  it('refuses invalid gate overrides and a missing test split before any work, with typed codes', async () => {
    await expect(evaluator.evaluate(input(crypto.randomUUID(), { maxFindingF1Drop: 3 }))).rejects.toMatchObject({ code: 'GATE_INVALID', retryable: false });
    const missing = { ...input(crypto.randomUUID()), snapshot: { ...snapshot, testManifestKey: 'datasets/x/none/test.jsonl' } };
    await expect(evaluator.evaluate(missing)).rejects.toBeInstanceOf(EvaluationError);
    await expect(evaluator.evaluate({ ...input(crypto.randomUUID()), baseModelVersionId: crypto.randomUUID() })).rejects.toMatchObject({ code: 'BASE_MODEL_NOT_FOUND' });
  });
});
