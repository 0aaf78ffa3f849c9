// Rows → API DTOs (contracts DatasetSchema, DatasetSnapshotSchema). A snapshot's DTO carries
// counts per split and finding, never a label of a study: the test split stays sealed.
import type { DatasetDto, DatasetSnapshotDto, SnapshotStats } from '@medgrade/contracts';
import type { DatasetSnapshot } from '@medgrade/db';
import type { DatasetWithCount } from './dataset.repository.ts';

export function toDatasetDto(d: DatasetWithCount): DatasetDto {
  return {
    id: d.id, orgId: d.orgId, projectId: d.projectId, name: d.name, task: d.task as DatasetDto['task'], labelCount: d.labelCount,
    createdAt: d.createdAt.toISOString(), updatedAt: d.updatedAt.toISOString(),
  };
}

export function toSnapshotDto(s: DatasetSnapshot): DatasetSnapshotDto {
  return {
    id: s.id, datasetId: s.datasetId, orgId: s.orgId, projectId: s.projectId, seed: s.seed,
    split: { val: s.valFraction, test: s.testFraction }, labelNames: s.labelNames, sha256: s.sha256,
    manifests: { train: s.trainKey, val: s.valKey, test: s.testKey, snapshot: s.metadataKey },
    stats: s.stats as SnapshotStats, createdAt: s.createdAt.toISOString(),
  };
}
