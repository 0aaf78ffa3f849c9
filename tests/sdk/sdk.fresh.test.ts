// CI's guard that the committed SDK is what `pnpm generate:sdk` makes from today's routes: it
// regenerates into a temporary folder and compares every file. A route change without
// `pnpm generate:sdk` fails here, naming the files that differ.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SDK_DIR, generateSdk } from '../../scripts/generate-sdk.ts';

async function filesUnder(dir: string, base = dir): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(full, base)));
    else out.push(path.relative(base, full));
  }
  return out.sort();
}

describe('generated SDK', () => {
  let out: string;
  afterAll(async () => {
    if (out) await rm(out, { recursive: true, force: true });
  });

  it('matches a fresh `pnpm generate:sdk` (run it and commit the result if this fails)', async () => {
    out = await mkdtemp(path.join(tmpdir(), 'medgrade-sdk-'));
    await generateSdk(out);
    const fresh = ['openapi.json', ...(await filesUnder(path.join(out, 'src', 'generated'))).map((f) => path.join('src', 'generated', f))];
    const committed = ['openapi.json', ...(await filesUnder(path.join(SDK_DIR, 'src', 'generated'))).map((f) => path.join('src', 'generated', f))];
    expect(committed).toEqual(fresh);
    const stale: string[] = [];
    for (const file of fresh) {
      if ((await readFile(path.join(out, file), 'utf8')) !== (await readFile(path.join(SDK_DIR, file), 'utf8'))) stale.push(file);
    }
    expect(stale, 'files that differ from a fresh generation').toEqual([]);
  }, 180_000);
});
