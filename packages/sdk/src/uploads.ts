// Uploading files (each a .dcm or a .zip of them) and following them to their final states:
// one POST /v1/uploads per file, `concurrency` at a time, so every file gets its own progress
// events and its own retry on 429/503 (re-sent from the File, which is re-readable; the fetch
// layer does not replay multipart bodies). Works with browser Files and Node's (see ./node).
import type { Medgrade } from './client.ts';
import { MedgradeError } from './errors.ts';
import type { UploadInstance } from './generated/types.gen.ts';
import { waitForUpload, type PollOptions } from './polling.ts';
import { backoffMs, retryAfterMs, shouldRetry, sleep } from './retry.ts';

/** Where one file stands: sent, accepted, and (with `wait`) final. */
export type FileState = 'uploading' | 'received' | 'ready' | 'rejected' | 'failed';

/** One progress event of one file. */
export interface FileProgress {
  file: File;
  /** Position of the file in the list passed in. */
  index: number;
  state: FileState;
  /** The file's size. */
  bytes: number;
  uploadId?: string;
  /** Its instances (a zip has several), with their latest status. */
  instances: UploadInstance[];
  /** Set when the request itself failed (state `failed`, no instances). */
  error?: MedgradeError;
}

export interface UploadOptions {
  /** Target project (default: the API key's own). */
  projectId?: string;
  /** Files in flight at once (default 4). */
  concurrency?: number;
  /** Poll each upload until its instances are final (default true). */
  wait?: boolean;
  poll?: PollOptions;
  signal?: AbortSignal;
  onProgress?: (progress: FileProgress) => void;
}

/** Counts over every instance of every file; `failed` also counts files whose request failed. */
export interface UploadSummary {
  files: number;
  ready: number;
  rejected: number;
  failed: number;
  duplicates: number;
  uploadIds: string[];
  results: FileProgress[];
}

function finalState(instances: UploadInstance[]): FileState {
  if (instances.some((i) => i.status === 'FAILED')) return 'failed';
  if (instances.some((i) => i.status === 'REJECTED')) return 'rejected';
  return instances.every((i) => i.status === 'READY') ? 'ready' : 'received';
}

async function send(api: Medgrade, file: File, options: UploadOptions) {
  for (let attempt = 1; ; attempt++) {
    try {
      const query = options.projectId ? { projectId: options.projectId } : undefined;
      return (await api.uploads.create({ body: { file: [file] }, query, signal: options.signal ?? null })).data;
    } catch (error) {
      if (!(error instanceof MedgradeError) || !shouldRetry(error.status, attempt, api.retry)) throw error;
      const retryAfter = (error.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
      await sleep(backoffMs(api.retry, attempt, retryAfter === undefined ? retryAfterMs(null) : retryAfter * 1000), options.signal);
    }
  }
}

/** Merge the polled rows into the 202's instances (duplicates are other uploads' rows and keep their status). */
async function settle(api: Medgrade, uploadId: string, accepted: UploadInstance[], options: UploadOptions): Promise<UploadInstance[]> {
  if (!accepted.some((i) => i.id && !i.duplicate && i.status !== 'REJECTED')) return accepted;
  const status = await waitForUpload(api, uploadId, { ...options.poll, ...(options.signal ? { signal: options.signal } : {}) });
  const byId = new Map(status.instances.map((i) => [i.id, i]));
  return accepted.map((i) => (i.id && !i.duplicate && byId.has(i.id) ? { ...byId.get(i.id)!, ...(i.fileName ? { fileName: i.fileName } : {}) } : i));
}

async function uploadOne(api: Medgrade, file: File, index: number, options: UploadOptions): Promise<FileProgress> {
  const report = (progress: FileProgress) => {
    options.onProgress?.(progress);
    return progress;
  };
  report({ file, index, state: 'uploading', bytes: file.size, instances: [] });
  let uploadId: string | undefined;
  try {
    const accepted = await send(api, file, options);
    uploadId = accepted.uploadId;
    report({ file, index, state: 'received', bytes: file.size, uploadId, instances: accepted.instances });
    const instances = options.wait === false ? accepted.instances : await settle(api, uploadId, accepted.instances, options);
    return report({ file, index, state: finalState(instances), bytes: file.size, uploadId, instances });
  } catch (error) {
    const failure = error instanceof MedgradeError ? error : MedgradeError.fromResponse(error, undefined);
    return report({ file, index, state: 'failed', bytes: file.size, ...(uploadId ? { uploadId } : {}), instances: [], error: failure });
  }
}

/** Tally results into the summary the CLI prints. */
export function summarize(results: FileProgress[]): UploadSummary {
  const instances = results.flatMap((r) => r.instances);
  return {
    files: results.length,
    ready: instances.filter((i) => i.status === 'READY').length,
    rejected: instances.filter((i) => i.status === 'REJECTED').length,
    failed: instances.filter((i) => i.status === 'FAILED').length + results.filter((r) => r.error).length,
    duplicates: instances.filter((i) => i.duplicate).length,
    uploadIds: [...new Set(results.flatMap((r) => (r.uploadId ? [r.uploadId] : [])))],
    results,
  };
}

/** Upload `files` (.dcm or .zip), `concurrency` at a time, and (by default) wait for their final states. */
export async function uploadFiles(api: Medgrade, files: readonly File[], options: UploadOptions = {}): Promise<UploadSummary> {
  const results: FileProgress[] = new Array(files.length);
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const index = next++;
      results[index] = await uploadOne(api, files[index]!, index, options);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 4, files.length)) }, worker));
  return summarize(results);
}
