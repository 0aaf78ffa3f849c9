// The upload screen's state, reduced from the SDK's per-file progress events (uploadFiles'
// onProgress): one row per file, its stage (queued → uploading → received → final), its
// instances (a zip has several) with each rejection's code and message, and the totals. Pure, so
// the unit test drives it with the events the SDK sends.
import type { FileProgress, UploadInstance } from '@medgrade/sdk';
import type { ShownError } from './errors.ts';

export type RowState = 'queued' | FileProgress['state'];

export interface FileRow {
  index: number;
  name: string;
  bytes: number;
  state: RowState;
  uploadId?: string;
  instances: UploadInstance[];
  error?: ShownError;
}

export interface UploadTotals {
  files: number;
  bytes: number;
  /** Files whose every instance is final (or whose request failed). */
  done: number;
  received: number;
  ready: number;
  rejected: number;
  failed: number;
  duplicates: number;
}

const STAGE: Record<RowState, number> = { queued: 0, uploading: 1, received: 2, ready: 3, rejected: 3, failed: 3 };
/** Stages a file passes through; a row's progress bar shows `stage(row) / STAGES`. */
export const STAGES = 3;

export function stage(row: Pick<FileRow, 'state'>): number {
  return STAGE[row.state];
}

export function isFinal(state: RowState): boolean {
  return STAGE[state] === STAGES;
}

/** A row per file, queued. */
export function initialRows(files: readonly { name: string; size: number }[]): FileRow[] {
  return files.map((file, index) => ({ index, name: file.name, bytes: file.size, state: 'queued', instances: [] }));
}

/** Apply one progress event; an event never moves a row back to an earlier stage. */
export function applyProgress(rows: readonly FileRow[], event: Pick<FileProgress, 'index' | 'state' | 'instances' | 'uploadId'> & { error?: ShownError }): FileRow[] {
  const row = rows[event.index];
  if (!row || STAGE[event.state] < STAGE[row.state]) return rows as FileRow[];
  const next: FileRow = {
    ...row,
    state: event.state,
    instances: event.instances.length > 0 || isFinal(event.state) ? event.instances : row.instances,
    ...(event.uploadId ? { uploadId: event.uploadId } : {}),
    ...(event.error ? { error: event.error } : {}),
  };
  return rows.map((r) => (r.index === event.index ? next : r));
}

/** Why each instance of a row is not READY: "CODE: message" (message only when the API gave one). */
export function reasons(row: FileRow): string[] {
  if (row.error) return [row.error.code ? `${row.error.code}: ${row.error.message}` : row.error.message];
  return row.instances
    .filter((i) => i.status === 'REJECTED' || i.status === 'FAILED')
    .map((i) => [i.errorCode ?? i.status, i.message].filter(Boolean).join(': '));
}

/** What a row's state reads as on screen. */
export function stateLabel(row: FileRow): string {
  const dupes = row.instances.filter((i) => i.duplicate).length;
  const suffix = dupes > 0 ? ` (${dupes === row.instances.length ? 'already stored' : `${dupes} already stored`})` : '';
  switch (row.state) {
    case 'queued': return 'queued';
    case 'uploading': return 'uploading';
    case 'received': return `received${suffix}`;
    case 'ready': return `de-identified${suffix}`;
    case 'rejected': return row.instances.some((i) => i.status === 'READY') ? `partly rejected${suffix}` : 'rejected';
    case 'failed': return 'failed';
  }
}

/** Counts over every instance of every file, as the CLI's summary line counts them. */
export function totals(rows: readonly FileRow[]): UploadTotals {
  const instances = rows.flatMap((r) => r.instances);
  return {
    files: rows.length,
    bytes: rows.reduce((sum, r) => sum + r.bytes, 0),
    done: rows.filter((r) => isFinal(r.state)).length,
    received: rows.filter((r) => STAGE[r.state] >= STAGE.received && !r.error).length,
    ready: instances.filter((i) => i.status === 'READY').length,
    rejected: instances.filter((i) => i.status === 'REJECTED').length,
    failed: instances.filter((i) => i.status === 'FAILED').length + rows.filter((r) => r.error).length,
    duplicates: instances.filter((i) => i.duplicate).length,
  };
}
