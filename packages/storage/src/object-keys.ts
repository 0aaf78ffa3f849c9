// The object-store key layout, in one place (STYLE.md 18): every process that writes, lists or
// checks a key builds or parses it here, so the gateway, the workers, the inference service and
// the CLI cannot drift apart. Ids are the database's UUIDs; DICOM UIDs are the de-identified ones.
//
//   quarantine/<org>/<project>/<instance>.dcm                 raw upload until de-identified
//   deid/<org>/<project>/<study>/<series>/<sop>.dcm           de-identified instance
//   inference-inputs/<org>/<inference>/<n>.dcm                de-identified input of an async inference
//   models/<org>/<name>/<version>/…                           model bundle (docs/model-bundle.md)
//   finetune/<org>/<job>/…                                    a fine-tune job's attempts, checkpoints, evaluation
//   datasets/<org>/<dataset>/snapshots/<snapshot>/{train,val,test}.jsonl, snapshot.json

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/** The top-level folder of each kind of object. */
export const KEY_ROOTS = {
  quarantine: 'quarantine/',
  deid: 'deid/',
  inferenceInputs: 'inference-inputs/',
  models: 'models/',
  finetune: 'finetune/',
  datasets: 'datasets/',
} as const;

const QUARANTINE_KEY = new RegExp(`^quarantine/[^/]+/[^/]+/(${UUID})\\.dcm$`);
const INFERENCE_INPUT_KEY = new RegExp(`^inference-inputs/${UUID}/(${UUID})/\\d+\\.dcm$`);

/** Key of an uploaded instance's raw bytes, held until the deid-worker has processed it. */
export function quarantineKey(orgId: string, projectId: string, instanceId: string): string {
  return `${KEY_ROOTS.quarantine}${orgId}/${projectId}/${instanceId}.dcm`;
}

/** The instance id in a quarantine key, or undefined for a key quarantineKey did not build. */
export function quarantineInstanceId(key: string): string | undefined {
  return QUARANTINE_KEY.exec(key)?.[1];
}

/** Deterministic key of a de-identified instance (a retry writes the same key). */
export function deidKey(orgId: string, projectId: string, study: string, series: string, sop: string): string {
  return `${KEY_ROOTS.deid}${orgId}/${projectId}/${study}/${series}/${sop}.dcm`;
}

/** True when the key names a de-identified instance of the organization (never a raw upload). */
export function isDeidKeyOf(orgId: string, key: string): boolean {
  return key.startsWith(`${KEY_ROOTS.deid}${orgId}/`);
}

/** Folder of one asynchronous inference's staged inputs. */
export function inferenceInputsPrefix(orgId: string, inferenceId: string): string {
  return `${KEY_ROOTS.inferenceInputs}${orgId}/${inferenceId}/`;
}

/** Key of the n-th staged input of an asynchronous inference. */
export function inferenceInputKey(orgId: string, inferenceId: string, n: number): string {
  return `${inferenceInputsPrefix(orgId, inferenceId)}${n}.dcm`;
}

/** The inference id in a staged-input key, or undefined for a key inferenceInputKey did not build. */
export function inferenceInputId(key: string): string | undefined {
  return INFERENCE_INPUT_KEY.exec(key)?.[1];
}

/** Folder of every stored version of one model. */
export function modelPrefix(orgId: string, name: string): string {
  return `${KEY_ROOTS.models}${orgId}/${name}/`;
}

/** Folder of one model version's bundle (no trailing slash, as stored in ModelVersion.objectPrefix). */
export function modelVersionPrefix(orgId: string, name: string, version: string): string {
  return `${modelPrefix(orgId, name)}${version}`;
}

/** Key of one file of a model version's bundle. */
export function modelFileKey(orgId: string, name: string, version: string, file: string): string {
  return `${modelVersionPrefix(orgId, name, version)}/${file}`;
}

/** The version in the key of a bundle's `file` under modelPrefix, or undefined for any other key. */
export function modelVersionOfFile(prefix: string, key: string, file: string): string | undefined {
  if (!key.startsWith(prefix)) return undefined;
  const rest = key.slice(prefix.length).split('/');
  return rest.length === 2 && rest[1] === file && rest[0] ? rest[0] : undefined;
}

/** Folder of one fine-tune job (attempts, checkpoints, logs, evaluation). */
export function finetuneJobPrefix(orgId: string, jobId: string): string {
  return `${KEY_ROOTS.finetune}${orgId}/${jobId}/`;
}

// Inside a fine-tune job's folder (the orchestrator passes every key to the trainer's attempt
// runner in its spec, so the Python side never spells a prefix):
//   checkpoints/step-<n>.pt   model.pt   evaluation/…
//   attempts/<n>/events/<chunk>.jsonl   attempts/<n>/log/<chunk>.log   (immutable chunks: S3 has no append)
export interface AttemptKeys {
  prefix: string;
  /** Immutable numbered chunks of event lines (S3 has no append). */
  events: string;
  /** Immutable numbered chunks of the attempt's own log. */
  log: string;
}

export interface FinetuneKeys {
  prefix: string;
  checkpoints: string;
  model: string;
  evaluation: string;
  attempt(n: number): AttemptKeys;
}

/** Object keys of one fine-tuning job (ids are UUIDs, so every key is store-safe). */
export function finetuneKeys(orgId: string, jobId: string): FinetuneKeys {
  const prefix = finetuneJobPrefix(orgId, jobId);
  return {
    prefix,
    checkpoints: `${prefix}checkpoints/`,
    model: `${prefix}model.pt`,
    evaluation: `${prefix}evaluation/`,
    attempt: (n) => {
      const attempt = `${prefix}attempts/${n}/`;
      return { prefix: attempt, events: `${attempt}events/`, log: `${attempt}log/` };
    },
  };
}

/** The chunk number of an event or log chunk key (`.../00000012.jsonl` → 12), or null. */
export function chunkNumber(key: string): number | null {
  const match = /\/(\d{8})\.(jsonl|log)$/.exec(key);
  return match ? Number(match[1]) : null;
}

/** Folder of one dataset (its snapshots). */
export function datasetPrefix(orgId: string, datasetId: string): string {
  return `${KEY_ROOTS.datasets}${orgId}/${datasetId}/`;
}

/** The three manifests of a snapshot, in the order the snapshot digest covers them. */
export const SNAPSHOT_SPLITS = ['train', 'val', 'test'] as const;
export type SnapshotSplit = (typeof SNAPSHOT_SPLITS)[number];

/** Keys of one dataset snapshot: the gateway writes them, the orchestrator and the evaluation read them. */
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
  const prefix = `${datasetPrefix(orgId, datasetId)}snapshots/${snapshotId}/`;
  return {
    prefix,
    train: `${prefix}train.jsonl`,
    val: `${prefix}val.jsonl`,
    test: `${prefix}test.jsonl`,
    snapshot: `${prefix}snapshot.json`,
  };
}
