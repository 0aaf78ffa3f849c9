import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** A multipart/form-data upload of a bundle folder (one part per file); `mutate` edits the files first. */
export async function bundleMultipart(dir: string, mutate?: (files: Map<string, Buffer>) => void): Promise<{ payload: Buffer; headers: Record<string, string> }> {
  const files = new Map<string, Buffer>();
  for (const f of await readdir(dir)) files.set(f, await readFile(join(dir, f)));
  mutate?.(files);
  const boundary = 'medgradeboundary42';
  const parts = [...files].map(([name, bytes]) => Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n`), bytes, Buffer.from('\r\n'),
  ]));
  return { payload: Buffer.concat([...parts, Buffer.from(`--${boundary}--\r\n`)]), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}
