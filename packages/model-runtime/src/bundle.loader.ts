// Reads a bundle through a `BundleReader` (a folder, the object store, an upload in memory),
// checks the manifest against docs/model-bundle.md and every listed file against its SHA-256
// and size. Nothing is returned unless all of it holds, so a corrupt bundle can never be loaded.
import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { BundleInvalidError } from './bundle.errors.ts';
import { ManifestSchema, type Manifest } from './manifest.schema.ts';

/** Where bundle files come from; `read` resolves undefined for a missing file. */
export interface BundleReader {
  read(path: string): Promise<Uint8Array | undefined>;
}

/** A verified bundle: its manifest and the bytes of every file it lists. */
export interface VerifiedBundle {
  manifest: Manifest;
  files: Map<string, Uint8Array>;
}

export const MANIFEST_FILE = 'manifest.json';
const TEXT_FILES = ['decoder.onnx', 'decoder_with_past.onnx', 'tokenizer.json'];

/** Parse manifest bytes; every schema problem is reported at once. */
export function parseManifest(bytes: Uint8Array | undefined): Manifest {
  if (!bytes) throw new BundleInvalidError(['manifest.json is missing']);
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new BundleInvalidError(['manifest.json is not valid JSON']);
  }
  const parsed = ManifestSchema.safeParse(json);
  if (!parsed.success) {
    throw new BundleInvalidError(parsed.error.issues.map((i) => `manifest.json ${i.path.join('.') || '(root)'}: ${i.message}`));
  }
  return parsed.data;
}

/** Files the task needs that the manifest does not list. */
export function missingRequiredFiles(manifest: Manifest): string[] {
  const listed = new Set(manifest.files.map((f) => f.path));
  const required = ['vision_encoder.onnx', ...(manifest.task === 'report-generation' ? TEXT_FILES : [])];
  return required.filter((p) => !listed.has(p));
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Read and verify a whole bundle; throws BundleInvalidError listing every problem. */
export async function readVerifiedBundle(reader: BundleReader): Promise<VerifiedBundle> {
  const manifest = parseManifest(await reader.read(MANIFEST_FILE));
  const problems = missingRequiredFiles(manifest).map((p) => `${p} is required for task ${manifest.task} but not listed in manifest.files`);
  const files = new Map<string, Uint8Array>();
  for (const entry of manifest.files) {
    const bytes = await reader.read(entry.path);
    if (!bytes) {
      problems.push(`${entry.path} is listed in the manifest but missing`);
      continue;
    }
    if (bytes.byteLength !== entry.bytes) problems.push(`${entry.path} has ${bytes.byteLength} bytes, manifest says ${entry.bytes}`);
    else if (sha256Hex(bytes) !== entry.sha256) problems.push(`${entry.path} SHA-256 does not match the manifest`);
    files.set(entry.path, bytes);
  }
  if (problems.length) throw new BundleInvalidError(problems);
  return { manifest, files };
}

/** Reader over a bundle folder on disk. */
export function folderReader(dir: string): BundleReader {
  return {
    async read(path) {
      try {
        return await readFile(join(dir, path));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw e;
      }
    },
  };
}

/** Reader over files already in memory (an upload). */
export function memoryReader(files: ReadonlyMap<string, Uint8Array>): BundleReader {
  return { read: async (path) => files.get(path) };
}

/** Every file of a bundle folder (flat), for uploads from disk. */
export async function readFolder(dir: string): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isFile()) out.set(entry.name, await readFile(join(dir, entry.name)));
  }
  return out;
}
