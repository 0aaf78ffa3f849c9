import { describe, expect, it } from 'vitest';
import type { UploadInstance } from '@medgrade/sdk';
import { applyProgress, initialRows, reasons, stage, stateLabel, totals } from './upload-state.ts';

const instance = (over: Partial<UploadInstance>): UploadInstance => ({ id: 'i', status: 'RECEIVED', errorCode: null, ...over });

describe('upload state reduction', () => {
  const files = [{ name: 'a.dcm', size: 100 }, { name: 'notes.txt', size: 10 }, { name: 'pack.zip', size: 1000 }];

  it('follows each file through its stages and never moves a row back', () => {
    let rows = initialRows(files);
    expect(rows.map((r) => [r.state, stage(r)])).toEqual([['queued', 0], ['queued', 0], ['queued', 0]]);
    rows = applyProgress(rows, { index: 0, state: 'uploading', instances: [] });
    rows = applyProgress(rows, { index: 0, state: 'received', uploadId: 'u1', instances: [instance({ id: 'x' })] });
    expect(rows[0]).toMatchObject({ state: 'received', uploadId: 'u1', instances: [{ id: 'x', status: 'RECEIVED' }] });
    // A late 'uploading' event (out of order) changes nothing.
    const same = applyProgress(rows, { index: 0, state: 'uploading', instances: [] });
    expect(same[0]?.state).toBe('received');
    expect(same[0]?.instances).toHaveLength(1);
    rows = applyProgress(rows, { index: 0, state: 'ready', uploadId: 'u1', instances: [instance({ id: 'x', status: 'READY' })] });
    expect([rows[0]?.state, stage(rows[0]!), stateLabel(rows[0]!)]).toEqual(['ready', 3, 'de-identified']);
    expect(rows[1]?.state).toBe('queued');
  });

  it('gives every rejection its code and message, and request failures their error', () => {
    let rows = initialRows(files);
    rows = applyProgress(rows, { index: 1, state: 'rejected', uploadId: 'u2', instances: [instance({ id: null, status: 'REJECTED', errorCode: 'NOT_DICOM', message: 'Not a DICOM Part 10 file' })] });
    rows = applyProgress(rows, { index: 2, state: 'rejected', uploadId: 'u3', instances: [instance({ id: 'p', status: 'READY' }), instance({ id: 'q', status: 'REJECTED', errorCode: 'INFLATED_TOO_LARGE' })] });
    rows = applyProgress(rows, { index: 0, state: 'failed', instances: [], error: { message: 'Rate limit exceeded', code: 'RATE_LIMITED', status: 429 } });
    expect(reasons(rows[1]!)).toEqual(['NOT_DICOM: Not a DICOM Part 10 file']);
    expect(stateLabel(rows[1]!)).toBe('rejected');
    expect(reasons(rows[2]!)).toEqual(['INFLATED_TOO_LARGE']);
    expect(stateLabel(rows[2]!)).toBe('partly rejected');
    expect(reasons(rows[0]!)).toEqual(['RATE_LIMITED: Rate limit exceeded']);
    expect(totals(rows)).toEqual({ files: 3, bytes: 1110, done: 3, received: 2, ready: 1, rejected: 2, failed: 1, duplicates: 0 });
  });

  it('counts duplicates and labels a file the project already held', () => {
    let rows = initialRows(files.slice(0, 1));
    rows = applyProgress(rows, { index: 0, state: 'ready', uploadId: 'u', instances: [instance({ id: 'old', status: 'READY', duplicate: 'SAME_BYTES' })] });
    expect(stateLabel(rows[0]!)).toBe('de-identified (already stored)');
    expect(totals(rows)).toMatchObject({ ready: 1, duplicates: 1, done: 1 });
  });

  it('ignores events for rows it does not have', () => {
    const rows = initialRows(files);
    expect(applyProgress(rows, { index: 7, state: 'ready', instances: [] })).toBe(rows);
  });
});
