// Test fixtures for fine-tuning (integration tests of the gateway routes and the orchestrator):
// what the gateway and the datasets API would have stored. An organization with a project, the
// committed reference model as a released version (its pytorch_model.pt in the store), and a
// dataset snapshot of synthetic studies whose manifests name the de-identified objects by key.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, newProjectSecretCiphertext, type Prisma, type PrismaClient } from '@medgrade/db';
import type { ObjectStore } from '@medgrade/storage';
import { modelVersionPrefix, snapshotKeys } from '@medgrade/storage/keys';
import { writeSyntheticStudies } from '@medgrade/synthetic';

export const BASE_BUNDLE = join(REPO_ROOT, 'model-bundles', 'medgrade-cxr-tiny', '1');

export interface Org {
  orgId: string;
  projectId: string;
  keyId: string;
  baseVersionId: string;
  snapshotId: string;
}

async function seedBaseModel(prisma: PrismaClient, store: ObjectStore, orgId: string): Promise<string> {
  const manifest = JSON.parse(await readFile(join(BASE_BUNDLE, 'manifest.json'), 'utf8')) as Prisma.InputJsonObject;
  const prefix = modelVersionPrefix(orgId, 'medgrade-cxr-tiny', '1');
  await store.put(`${prefix}/pytorch_model.pt`, await readFile(join(BASE_BUNDLE, 'pytorch_model.pt')));
  const model = await prisma.model.create({ data: { orgId, name: 'medgrade-cxr-tiny' } });
  const version = await prisma.modelVersion.create({ data: { orgId, modelId: model.id, version: '1', status: 'RELEASED', releasedAt: new Date(), manifest, objectPrefix: prefix } });
  return version.id;
}

/** Writes `count` synthetic studies into the store and a snapshot (train/val/test manifests) over them. */
async function seedSnapshot(prisma: PrismaClient, store: ObjectStore, orgId: string, projectId: string, count: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'orch-synth-'));
  const rows = await writeSyntheticStudies({ out: dir, count, seed: 11, task: 'findings' });
  const dataset = await prisma.dataset.create({ data: { orgId, projectId, name: `ds-${randomUUID().slice(0, 8)}`, task: 'findings' } });
  const snapshotId = randomUUID();
  const keys = snapshotKeys(orgId, dataset.id, snapshotId);
  const manifest = [];
  for (const row of rows) {
    const key = `deid/${orgId}/${projectId}/${randomUUID()}.dcm`;
    await store.put(key, await readFile(join(dir, row.file)));
    manifest.push(JSON.stringify({ ...row, file: key }));
  }
  await rm(dir, { recursive: true, force: true });
  const test = Math.max(2, Math.floor(count / 6));
  const splits = { train: manifest.slice(0, count - 2 * test), val: manifest.slice(count - 2 * test, count - test), test: manifest.slice(count - test) };
  for (const [split, lines] of Object.entries(splits)) await store.put(keys[split as 'train'], Buffer.from(lines.map((l) => `${l}\n`).join('')));
  await prisma.datasetSnapshot.create({
    data: {
      id: snapshotId, orgId, projectId, datasetId: dataset.id, seed: 11, valFraction: 0.15, testFraction: 0.15, labelNames: [], trainKey: keys.train, valKey: keys.val,
      testKey: keys.test, metadataKey: keys.snapshot, sha256: randomBytes(32).toString('hex'), trainCount: splits.train.length, valCount: splits.val.length, testCount: splits.test.length, stats: {},
    },
  });
  return snapshotId;
}

/** An organization with a project, a key id, the reference model and a snapshot of `studies` studies. */
export async function seedOrg(prisma: PrismaClient, store: ObjectStore, slug: string, studies = 16): Promise<Org> {
  const org = await prisma.organization.create({ data: { slug, name: slug } });
  const project = await prisma.project.create({ data: { orgId: org.id, slug: 'chest', name: 'chest', secretCiphertext: newProjectSecretCiphertext(randomBytes(32)) } });
  const baseVersionId = await seedBaseModel(prisma, store, org.id);
  const snapshotId = await seedSnapshot(prisma, store, org.id, project.id, studies);
  return { orgId: org.id, projectId: project.id, keyId: randomUUID(), baseVersionId, snapshotId };
}

