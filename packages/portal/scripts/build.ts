// Builds the portal (Vite, into dist/) when its inputs changed since the last build: `pnpm start`,
// the gateway's image and the browser tests call it, so a developer never serves a stale portal
// and an unchanged tree costs one hash of the sources. The build goes to a fresh folder that
// replaces dist/ by renames, so a gateway serving dist/ never sees half a build.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const SDK = resolve(ROOT, '../sdk');
/** The built portal the gateway serves (its PORTAL_DIR default, relative to the repository root). */
export const PORTAL_DIST = join(ROOT, 'dist');
const STAMP = 'build-stamp.json';
const INPUTS = [join(ROOT, 'index.html'), join(ROOT, 'package.json'), join(ROOT, 'scripts/build.ts'), join(ROOT, 'src'), join(SDK, 'src')];

async function files(path: string): Promise<string[]> {
  if (!existsSync(path)) return [];
  if ((await stat(path)).isFile()) return [path];
  const entries = await readdir(path, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && !e.name.endsWith('.test.ts')).map((e) => join(e.parentPath, e.name));
}

/** SHA-256 over the names and bytes of every input of the build. */
export async function inputsHash(): Promise<string> {
  const hash = createHash('sha256');
  const all = (await Promise.all(INPUTS.map(files))).flat().sort();
  for (const file of all) hash.update(relative(ROOT, file)).update('\0').update(await readFile(file)).update('\0');
  return hash.digest('hex');
}

async function stampOf(dir: string): Promise<string | null> {
  try {
    return (JSON.parse(await readFile(join(dir, STAMP), 'utf8')) as { inputs?: string }).inputs ?? null;
  } catch {
    return null;
  }
}

/** Build into dist/ (or `dist`) unless it was built from the same inputs; `force` rebuilds anyway. */
export async function buildPortal(options: { force?: boolean; dist?: string; log?: (line: string) => void } = {}): Promise<{ built: boolean; dir: string }> {
  const dist = options.dist ?? PORTAL_DIST;
  const inputs = await inputsHash();
  if (!options.force && (await stampOf(dist)) === inputs) return { built: false, dir: dist };
  const { build } = await import('vite');
  const out = `${dist}.building-${process.pid}-${Date.now()}`; // beside dist: the rename stays on one filesystem
  // Vite's build sets process.env.NODE_ENV=production in the calling process when it is unset; in
  // `pnpm start` every service then inherited it and refused the development secrets.
  const nodeEnv = process.env.NODE_ENV;
  try {
    await build({
      root: ROOT,
      base: '/portal/',
      configFile: false,
      logLevel: 'warn',
      // Always the production build, also when called under NODE_ENV=test (the browser tests).
      mode: 'production',
      // Preact's automatic JSX runtime (tsconfig jsxImportSource says the same to tsc); never the
      // development transform, which NODE_ENV=test would select (27 kB of source file paths).
      oxc: { jsx: { runtime: 'automatic', importSource: 'preact', development: false } },
      build: { outDir: out, emptyOutDir: true, target: 'es2022', sourcemap: false, assetsInlineLimit: 0, reportCompressedSize: false },
    });
    await writeFile(join(out, STAMP), JSON.stringify({ inputs }));
    // Two renames, then the old tree goes: dist/ is missing only between two system calls, never
    // for the time a recursive delete of the previous build takes.
    const old = `${dist}.old-${process.pid}-${Date.now()}`;
    const had = await rename(dist, old).then(() => true, (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return false;
      throw error;
    });
    await rename(out, dist);
    if (had) await rm(old, { recursive: true, force: true });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
    await rm(out, { recursive: true, force: true });
  }
  options.log?.(`portal built into ${relative(process.cwd(), dist) || dist}`);
  return { built: true, dir: dist };
}
