// The platform side of bench/finetune: its own Postgres database (cloned from the migrated
// template like a test's), a filesystem object store under bench/out, one organization with the
// committed reference model registered and released (an audited-style override: it has no base to
// be gated against), a dataset snapshot of synthetic pneumothorax studies whose manifests name the
// stored objects by key (as the datasets API writes them), and the training orchestrator of
// services/training-orchestrator with the real evaluation gate, polling like the service does.
import { randomBytes, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { childProcessEnv, loadConfig } from '../../packages/config/src/index.ts';
import { createTestDatabase, newProjectSecretCiphertext, type TestDatabase } from '../../packages/db/src/index.ts';
import { CandidateVersions, ModelRegistry, validateBundle } from '../../packages/registry/src/index.ts';
import { FsObjectStore, snapshotKeys } from '../../packages/storage/src/index.ts';
import { labelRow, generateStudy, studyToDicom, type LabelRow } from '../../packages/synthetic/src/index.ts';
import { AuditLog } from '../../packages/audit/src/index.ts';
import { FinetuneJobs, FinetuneRepository, GateEvaluator, TrainerProcess, type Orchestrator } from '../../packages/training/src/index.ts';
import { buildOrchestrator } from '../../services/training-orchestrator/src/orchestrator.app.ts';

export interface Platform {
  db: TestDatabase;
  store: FsObjectStore;
  caller: { keyId: string; orgId: string; projectId: string | null };
  snapshot: { id: string; trainKey: string; testKey: string; rows: { train: LabelRow[]; test: LabelRow[] } };
  jobs: FinetuneJobs;
  orchestrator: Orchestrator;
  close(): Promise<void>;
}

export interface PlatformOptions {
  root: string;
  /** The repository root (services/trainer lives there). */
  trainerRoot: string;
  reference: string;
  train: number;
  test: number;
  python: string;
  /** Minimum run time before a job may be preempted (s). */
  minRunSeconds: number;
}

async function registerReference(db: TestDatabase, store: FsObjectStore, orgId: string, dir: string): Promise<void> {
  const files = new Map<string, Uint8Array>();
  for (const f of await readdir(dir)) files.set(f, await readFile(join(dir, f)));
  const registry = new ModelRegistry(db.prisma, store);
  const model = await registry.create({ orgId, projectId: null }, { name: 'medgrade-cxr-tiny' });
  const version = await registry.addVersion({ orgId, projectId: null }, model, await validateBundle(files), files);
  await db.prisma.modelVersion.update({ where: { id: version.id }, data: { status: 'RELEASED', releasedAt: new Date() } });
}

async function storeStudies(store: FsObjectStore, orgId: string, projectId: string, seed: number, count: number): Promise<{ rows: LabelRow[]; lines: string[] }> {
  const rows: LabelRow[] = [];
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const study = generateStudy(seed, i, 'pneumothorax');
    const key = `deid/${orgId}/${projectId}/${randomUUID()}.dcm`;
    await store.put(key, Buffer.from(studyToDicom(study)));
    const row = labelRow(study, key);
    rows.push(row);
    lines.push(`${JSON.stringify(row)}\n`);
  }
  return { rows, lines };
}

/** Train on studies of seed 11 and test on those of seed 12, as the bare-trainer bench always has. */
async function seedSnapshot(db: TestDatabase, store: FsObjectStore, orgId: string, projectId: string, o: PlatformOptions): Promise<Platform['snapshot']> {
  const dataset = await db.prisma.dataset.create({ data: { orgId, projectId, name: 'bench-pneumothorax', task: 'pneumothorax' } });
  const id = randomUUID();
  const keys = snapshotKeys(orgId, dataset.id, id);
  const train = await storeStudies(store, orgId, projectId, 11, o.train);
  const test = await storeStudies(store, orgId, projectId, 12, o.test);
  const val = train.lines.slice(0, Math.max(1, Math.floor(o.train / 10)));
  await store.put(keys.train, Buffer.from(train.lines.join('')));
  await store.put(keys.val, Buffer.from(val.join('')));
  await store.put(keys.test, Buffer.from(test.lines.join('')));
  await db.prisma.datasetSnapshot.create({
    data: {
      id, orgId, projectId, datasetId: dataset.id, seed: 11, valFraction: 0, testFraction: o.test / (o.train + o.test), labelNames: Object.keys(train.rows[0]!.labels).sort(),
      trainKey: keys.train, valKey: keys.val, testKey: keys.test, metadataKey: keys.snapshot, sha256: randomBytes(32).toString('hex'),
      trainCount: o.train, valCount: val.length, testCount: o.test, stats: {},
    },
  });
  return { id, trainKey: keys.train, testKey: keys.test, rows: { train: train.rows, test: test.rows } };
}

export async function startPlatform(o: PlatformOptions): Promise<Platform> {
  const db = await createTestDatabase();
  const store = new FsObjectStore(join(o.root, 'objects'));
  const org = await db.prisma.organization.create({ data: { slug: 'bench', name: 'bench' } });
  const project = await db.prisma.project.create({ data: { orgId: org.id, slug: 'chest', name: 'chest', secretCiphertext: newProjectSecretCiphertext(randomBytes(32)) } });
  await registerReference(db, store, org.id, o.reference);
  const snapshot = await seedSnapshot(db, store, org.id, project.id, o);
  // The service's defaults (poll 500 ms, retry backoff 2 s), one trainer at a time on this machine.
  const config = loadConfig(childProcessEnv());
  const training = { ...config.training, cpuPoolCapacity: 1, workDir: join(o.root, 'work'), python: o.python, minRunSeconds: o.minRunSeconds };
  const storage = { driver: 'fs' as const, fsRoot: join(o.root, 'objects') };
  const orchestrator = await buildOrchestrator({
    prisma: db.prisma, store, storage, training, evaluator: new GateEvaluator({
      store, registry: new CandidateVersions(db.prisma, store, new AuditLog(db.prisma, { anchorKey: config.secrets.auditAnchorKeyBytes })), workRoot: o.root,
      trainer: new TrainerProcess({ python: o.python, trainerDir: join(o.trainerRoot, 'services/trainer') }),
    }),
  });
  orchestrator.start();
  return {
    db, store, snapshot, orchestrator,
    caller: { keyId: randomUUID(), orgId: org.id, projectId: project.id },
    jobs: new FinetuneJobs(new FinetuneRepository(db.prisma)),
    async close() {
      await orchestrator.stop();
      await db.drop();
    },
  };
}
