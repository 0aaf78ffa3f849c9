// The object-store layout of dataset snapshots: the one module that builds these keys (STYLE.md
// 18). The gateway writes them, the orchestrator's attempt runner and the evaluation read them.
//
//   datasets/<orgId>/<datasetId>/snapshots/<snapshotId>/train.jsonl
//   datasets/<orgId>/<datasetId>/snapshots/<snapshotId>/val.jsonl
//   datasets/<orgId>/<datasetId>/snapshots/<snapshotId>/test.jsonl
//   datasets/<orgId>/<datasetId>/snapshots/<snapshotId>/snapshot.json

/** The three manifests of a snapshot, in the order the snapshot digest covers them. */
export const SNAPSHOT_SPLITS = ['train', 'val', 'test'] as const;
export type SnapshotSplit = (typeof SNAPSHOT_SPLITS)[number];

export interface SnapshotKeys {
  prefix: string;
  train: string;
  val: string;
  test: string;
  /** snapshot.json: contracts SnapshotMetadataSchema. */
  snapshot: string;
}

/** Object keys of one snapshot (ids are UUIDs, so every key is store-safe). */
export function snapshotKeys(orgId: string, datasetId: string, snapshotId: string): SnapshotKeys {
  const prefix = `datasets/${orgId}/${datasetId}/snapshots/${snapshotId}/`;
  return {
    prefix,
    train: `${prefix}train.jsonl`,
    val: `${prefix}val.jsonl`,
    test: `${prefix}test.jsonl`,
    snapshot: `${prefix}snapshot.json`,
  };
}
