// Shared by the corpus, canary and UID tests: run the engine over files, read pixel bytes, ask pydicom.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { DicomFile } from '@medgrade/dicom';
import type { DeidOptions, DeidResult } from '../src/index.ts';
import { DEFAULT_DEID_OPTIONS, DeidError, deidentify } from '../src/index.ts';
import { PYTHON } from './corpus.ts';

export const SECRET = Buffer.from('00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff', 'hex');

export interface Outcome {
  path: string;
  result?: DeidResult;
  error?: unknown;
}

/** De-identifies each file with the given options (flag policy: burned-in risk is reported, not fatal). */
export function runAll(paths: readonly string[], options: DeidOptions = DEFAULT_DEID_OPTIONS): Outcome[] {
  return paths.map((path) => {
    try {
      return { path, result: deidentify(readFileSync(path), options, { secret: SECRET, burnedInPolicy: 'flag' }) };
    } catch (error) {
      return { path, error };
    }
  });
}

/** The raw bytes of Pixel Data (native or encapsulated, delimiters included), or undefined. */
export function pixelBytes(file: DicomFile): Uint8Array | undefined {
  const e = file.dataset.get(0x7fe00010);
  if (e === undefined) return undefined;
  const end = e.undefinedLength ? e.end : e.valueOffset + e.length;
  return file.source.subarray(e.valueOffset, end);
}

/** The error code of an outcome, or 'UNTYPED' when it is not a DeidError. */
export function codeOf(error: unknown): string {
  return error instanceof DeidError ? error.code : 'UNTYPED';
}

const PYDICOM_CHECK = `
import json, sys
from pydicom import dcmread
bad = []
for path in sys.argv[1:]:
    try:
        ds = dcmread(path)
        for elem in ds.iterall():
            if elem.tag != 0x7fe00010:
                str(elem.value)
    except Exception as e:
        bad.append([path, type(e).__name__])
print(json.dumps(bad))
`;

/** Paths pydicom cannot read completely (every element decoded), with the exception name. */
export function pydicomFailures(paths: readonly string[]): [string, string][] {
  const run = spawnSync(PYTHON, ['-c', PYDICOM_CHECK, ...paths], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (run.status !== 0) throw new Error(`pydicom check failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as [string, string][];
}
