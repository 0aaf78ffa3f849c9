// @medgrade/sdk/node: Files from paths on disk, for Node 20+ only (node:fs). A folder is read
// recursively (hidden entries skipped); a .zip is sent whole (the gateway reads its entries).
// Files are opened lazily (fs.openAsBlob), so a large folder is never held in memory at once.
import { openAsBlob } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Medgrade } from '../client.ts';
import { uploadFiles, type UploadOptions, type UploadSummary } from '../uploads.ts';

/** Every regular file under `paths` (files as given, folders recursively, sorted), hidden entries skipped. */
export async function expandPaths(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    const info = await stat(p);
    if (info.isFile()) out.push(p);
    else if (info.isDirectory()) {
      const entries = (await readdir(p, { withFileTypes: true })).filter((e) => !e.name.startsWith('.')).sort((a, b) => a.name.localeCompare(b.name));
      out.push(...(await expandPaths(entries.map((e) => path.join(p, e.name)))));
    }
  }
  return out;
}

/** A File backed by the file at `filePath` (read when sent); named by its base name. */
export async function fileFromPath(filePath: string): Promise<File> {
  const type = /\.zip$/i.test(filePath) ? 'application/zip' : 'application/dicom';
  return new File([await openAsBlob(filePath, { type })], path.basename(filePath), { type });
}

/** Upload files, folders and zips by path (see uploadFiles for options and the summary). */
export async function uploadPaths(api: Medgrade, paths: readonly string[], options: UploadOptions = {}): Promise<UploadSummary> {
  const files = await Promise.all((await expandPaths(paths)).map(fileFromPath));
  return uploadFiles(api, files, options);
}
