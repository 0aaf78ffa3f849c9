// Brings a snapshot split onto this host for the trainer: the manifest object (JSON lines in the
// trainer's format, `file` = object key of a de-identified instance) and every object it names,
// written as <dir>/<row>.dcm with `file` rewritten to that local name. Only de-identified objects
// are read; nothing leaves the work folder, which the caller removes.
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { getBuffer, ObjectNotFoundError, type ObjectStore } from '@medgrade/storage';
import { EvaluationError } from './evaluation.errors.ts';

const PARALLEL_DOWNLOADS = 8;

/** Copies one object to a local file; a missing object is an EvaluationError (not retryable). */
export async function downloadObject(store: ObjectStore, key: string, path: string): Promise<void> {
  try {
    await pipeline(await store.get(key), createWriteStream(path));
  } catch (e) {
    if (e instanceof ObjectNotFoundError) throw new EvaluationError('ARTIFACT_MISSING', `object ${key} is missing`, false, { cause: e });
    throw e;
  }
}

function parseRows(text: string, key: string): Record<string, unknown>[] {
  const rows = text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Record<string, unknown>);
  if (rows.length === 0) throw new EvaluationError('ARTIFACT_MISSING', `split manifest ${key} has no rows`, false);
  for (const [i, row] of rows.entries()) {
    if (typeof row.file !== 'string') throw new EvaluationError('ARTIFACT_MISSING', `split manifest ${key} line ${i + 1} has no "file" object key`, false);
  }
  return rows;
}

/** Materializes the split under `dir`; returns the local manifest path and the row count. */
export async function materializeSplit(store: ObjectStore, manifestKey: string, dir: string): Promise<{ manifest: string; n: number }> {
  let text: string;
  try {
    text = (await getBuffer(store, manifestKey)).toString('utf8');
  } catch (e) {
    if (e instanceof ObjectNotFoundError) throw new EvaluationError('ARTIFACT_MISSING', `split manifest ${manifestKey} is missing`, false, { cause: e });
    throw e;
  }
  const rows = parseRows(text, manifestKey);
  await mkdir(dir, { recursive: true });
  const local = rows.map((row, i) => ({ ...row, file: `${String(i).padStart(6, '0')}.dcm` }));
  for (let start = 0; start < rows.length; start += PARALLEL_DOWNLOADS) {
    await Promise.all(rows.slice(start, start + PARALLEL_DOWNLOADS).map((row, j) => downloadObject(store, row.file as string, join(dir, local[start + j]!.file))));
  }
  const manifest = join(dir, 'manifest.jsonl');
  await writeFile(manifest, local.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return { manifest, n: rows.length };
}
