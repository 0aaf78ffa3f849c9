// The datasets domain behind the gateway's thin /v1/datasets routes: datasets, label import (all
// rows or none), immutable snapshots written to the object store, and listing that never shows
// the sealed test split.
import { randomUUID } from 'node:crypto';
import {
  BadRequestError, NotFoundError, PayloadTooLargeError, ServiceUnavailableError, UnprocessableError,
  type CreateDatasetBody, type CreateSnapshotBody, type LabelImportResult, type LabelRowResult, type SnapshotManifestRow, type SnapshotMetadata,
} from '@medgrade/contracts';
import type { Dataset, DatasetSnapshot, PrismaClient } from '@medgrade/db';
import { loadProjectDeidSettings } from '@medgrade/deid/project';
import { getBuffer, type ObjectStore } from '@medgrade/storage';
import { snapshotKeys } from '@medgrade/storage/keys';
import { DatasetRepository, type DatasetWithCount, type TenantScope, type Tx } from './dataset.repository.ts';
import { candidateUids, parseLabelLines, resolveRow, type MatchableStudy, type ProjectDeid, type ResolvedLabel } from './labels.rows.ts';
import { buildSnapshot } from './snapshot.build.ts';
import { toSnapshotDto } from './dataset.dto.ts';

/** Who calls: the key's tenancy and id (recorded as createdBy). */
export interface Actor extends TenantScope {
  keyId: string | null;
}

/** Appends an audit event inside the caller's transaction (the gateway's request.audit). */
export type AuditWrite = (event: { action: string; resourceType: string; resourceId: string; projectId: string; details: Record<string, unknown> }, tx: Tx) => Promise<void>;

export interface DatasetServiceDeps {
  prisma: PrismaClient;
  /** Snapshots are written to and read from it; without one those calls answer 503. */
  store?: ObjectStore | undefined;
  /** Decrypts each project's HMAC secret (config secrets.projectSecretKey). */
  projectSecretKey: Buffer;
  /** Most rows one label import may carry (config datasets.maxLabelRows). */
  maxLabelRows: number;
}

export class DatasetService {
  readonly #deps: DatasetServiceDeps;
  readonly #repo: DatasetRepository;
  constructor(deps: DatasetServiceDeps) {
    this.#deps = deps;
    this.#repo = new DatasetRepository(deps.prisma);
  }

  /** Creates a dataset in the key's project, or in `projectId` for an organization-wide key. */
  async create(actor: Actor, body: CreateDatasetBody, audit: AuditWrite): Promise<DatasetWithCount> {
    const projectId = body.projectId ?? actor.projectId;
    if (!projectId) throw new BadRequestError('projectId is required with an organization-wide key: name the project whose studies the dataset labels');
    if (!(await this.#repo.projectOf(actor, projectId))) throw new NotFoundError('Project');
    const dataset = await this.#repo.transaction(async (tx) => {
      const created = await this.#repo.create({ orgId: actor.orgId, projectId, name: body.name, task: body.task, createdBy: actor.keyId }, tx);
      await audit({ action: 'dataset.create', resourceType: 'dataset', resourceId: created.id, projectId, details: { task: body.task } }, tx);
      return created;
    });
    return { ...dataset, labelCount: 0 };
  }

  list(scope: TenantScope, limit: number, cursor?: string) {
    return this.#repo.list(scope, limit, cursor);
  }

  get(scope: TenantScope, id: string): Promise<DatasetWithCount> {
    return this.#repo.get(scope, id);
  }

  #store(): ObjectStore {
    if (!this.#deps.store) throw new ServiceUnavailableError('Snapshots are unavailable: the object store is not configured');
    return this.#deps.store;
  }

  async #projectDeid(projectId: string): Promise<ProjectDeid> {
    const settings = await loadProjectDeidSettings(this.#deps.prisma, this.#deps.projectSecretKey, { id: projectId });
    if (!settings) throw new NotFoundError('Project');
    return { secret: settings.secret, retainUids: settings.options.retainUIDs, temporal: settings.options.retainLongitudinalTemporal };
  }

  /** Imports JSON Lines labels: every row matched and stored in one transaction, or nothing stored (422 with per-row results). */
  async importLabels(actor: Actor, datasetId: string, text: string, audit: AuditWrite): Promise<LabelImportResult> {
    const dataset = await this.#repo.get(actor, datasetId);
    const lines = parseLabelLines(text);
    if (lines.length === 0) throw new BadRequestError('The body has no label rows: send one JSON object per line');
    if (lines.length > this.#deps.maxLabelRows) throw new PayloadTooLargeError(`The file has more rows than DATASET_LABELS_MAX_ROWS (${this.#deps.maxLabelRows}): split it into several requests`, { limit: 'DATASET_LABELS_MAX_ROWS', maxRows: this.#deps.maxLabelRows });
    const project = await this.#projectDeid(dataset.projectId);
    const uids = lines.flatMap((l) => ('row' in l ? candidateUids(l.row, project).map((c) => c.uid) : []));
    const studies = new Map<string, MatchableStudy>((await this.#repo.studiesByUid(dataset.projectId, [...new Set(uids)])).map((s) => [s.studyInstanceUid, s]));
    const results: LabelRowResult[] = [];
    const labels: ResolvedLabel[] = [];
    const seen = new Set<string>();
    for (const l of lines) {
      if ('result' in l) {
        results.push(l.result);
        continue;
      }
      const r = resolveRow(l.line, l.row, studies, project, seen);
      results.push(r.result);
      if (r.label) labels.push(r.label);
    }
    const summary = { datasetId: dataset.id, rows: results.length, matched: labels.length, results };
    if (labels.length !== results.length) {
      throw new UnprocessableError(`${results.length - labels.length} of ${results.length} rows were refused, so nothing was stored: fix the rows in details.results and send the whole file again`, { ...summary, committed: false, replaced: 0 });
    }
    const replaced = await this.#repo.transaction(async (tx) => {
      const n = await this.#repo.replaceLabels(dataset, labels, tx);
      const byUploaded = results.filter((r) => r.matchedBy === 'uploaded_uid').length;
      await audit({ action: 'dataset.labels.import', resourceType: 'dataset', resourceId: dataset.id, projectId: dataset.projectId, details: { rows: labels.length, replaced: n, matchedByUploadedUid: byUploaded, withReport: labels.filter((x) => x.report !== null).length } }, tx);
      return n;
    });
    return { ...summary, committed: true, replaced };
  }

  /** Splits, writes the manifests and snapshot.json, then records the immutable row. */
  async createSnapshot(actor: Actor, datasetId: string, body: CreateSnapshotBody, audit: AuditWrite): Promise<DatasetSnapshot> {
    const dataset = await this.#repo.get(actor, datasetId);
    const store = this.#store();
    const built = buildSnapshot(await this.#repo.snapshotSources(dataset), body.split, body.seed);
    const id = randomUUID();
    const keys = snapshotKeys(dataset.orgId, dataset.id, id);
    const createdAt = new Date();
    const metadata: SnapshotMetadata = {
      schemaVersion: 1, id, datasetId: dataset.id, orgId: dataset.orgId, projectId: dataset.projectId, task: dataset.task as SnapshotMetadata['task'],
      seed: body.seed, split: body.split, labelNames: built.labelNames, sha256: built.sha256,
      files: { train: { key: keys.train, sha256: built.fileSha256.train, rows: built.rows.train }, val: { key: keys.val, sha256: built.fileSha256.val, rows: built.rows.val }, test: { key: keys.test, sha256: built.fileSha256.test, rows: built.rows.test } },
      stats: built.stats, createdAt: createdAt.toISOString(),
    };
    const put = (key: string, body: Buffer, contentType: string) => store.put(key, body, { contentType, contentLength: body.length });
    try {
      await Promise.all([put(keys.train, built.manifests.train, 'application/x-ndjson'), put(keys.val, built.manifests.val, 'application/x-ndjson'), put(keys.test, built.manifests.test, 'application/x-ndjson')]);
      await put(keys.snapshot, Buffer.from(`${JSON.stringify(metadata, null, 2)}\n`), 'application/json');
      return await this.#repo.transaction(async (tx) => {
        const row = await this.#repo.insertSnapshot({
          id, orgId: dataset.orgId, projectId: dataset.projectId, datasetId: dataset.id, seed: body.seed, valFraction: body.split.val, testFraction: body.split.test,
          labelNames: built.labelNames, trainKey: keys.train, valKey: keys.val, testKey: keys.test, metadataKey: keys.snapshot, sha256: built.sha256,
          trainCount: built.rows.train, valCount: built.rows.val, testCount: built.rows.test, stats: built.stats, createdBy: actor.keyId, createdAt,
        }, tx);
        await audit({ action: 'dataset.snapshot.create', resourceType: 'dataset_snapshot', resourceId: id, projectId: dataset.projectId, details: { datasetId: dataset.id, seed: body.seed, split: body.split, sha256: built.sha256, rows: built.rows } }, tx);
        return row;
      });
    } catch (error) {
      // No row names these objects: remove them so a failed request leaves nothing behind.
      await store.deleteMany([keys.train, keys.val, keys.test, keys.snapshot]).catch(() => undefined);
      throw error;
    }
  }

  async snapshots(scope: TenantScope, datasetId: string, limit: number, cursor?: string) {
    const dataset = await this.#repo.get(scope, datasetId);
    const { items, nextCursor } = await this.#repo.snapshots(dataset, limit, cursor);
    return { items: items.map(toSnapshotDto), nextCursor };
  }

  async snapshot(scope: TenantScope, datasetId: string, snapshotId: string): Promise<DatasetSnapshot> {
    return this.#repo.snapshot(await this.#repo.get(scope, datasetId), snapshotId);
  }

  /** Manifest rows of the train or val split (the test split is sealed and never read here); cursor = row offset. */
  async snapshotRows(scope: TenantScope, datasetId: string, snapshotId: string, split: 'train' | 'val', limit: number, cursor?: string) {
    const snap = await this.snapshot(scope, datasetId, snapshotId);
    const offset = cursor === undefined ? 0 : Number(cursor);
    if (!Number.isSafeInteger(offset) || offset < 0) throw new BadRequestError('cursor is not a nextCursor of this list: pass the nextCursor of the previous page');
    const text = (await getBuffer(this.#store(), split === 'train' ? snap.trainKey : snap.valKey)).toString('utf8');
    const all = text.split('\n').filter((l) => l !== '');
    const items = all.slice(offset, offset + limit).map((l) => JSON.parse(l) as SnapshotManifestRow & { studyId: string });
    return { items, nextCursor: offset + limit < all.length ? String(offset + limit) : null };
  }
}

export type { Dataset };
