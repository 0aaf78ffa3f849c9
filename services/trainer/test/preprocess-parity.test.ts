// The trainer (pydicom + torch) and the inference service (packages/model-runtime) must turn the same
// DICOM file into the same tensor, or a model would be served inputs it never saw. Checked on one
// study per simulated site: MONOCHROME1, rescale slope/intercept, 10/12/14-bit, non-square.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dicomToModelInput } from '../../../packages/model-runtime/src/dicom-input.ts';
import { WordTokenizer } from '../../../packages/model-runtime/src/tokenizer.ts';
import { SITES, generateStudy, studyToDicom } from '../../../packages/synthetic/src/index.ts';

const TRAINER = resolve(import.meta.dirname, '..');
const SIZE = 64;
const PREPROCESSING = { window: { mode: 'header' as const }, invertMonochrome1: true, resize: { method: 'bilinear' as const }, normalize: { mean: 0.5, std: 0.25 } };

function python(code: string, args: string[]): string {
  const run = spawnSync('/usr/bin/python3', ['-c', code, ...args], { cwd: TRAINER, encoding: 'utf8', timeout: 60_000 });
  if (run.status !== 0) throw new Error(run.stderr);
  return run.stdout;
}

describe('trainer and inference agree', () => {
  const dir = mkdtempSync(join(tmpdir(), 'prep-parity-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('on preprocessing, for every simulated site', () => {
    const files = SITES.map((site) => {
      let i = 0;
      while (generateStudy(9, i, 'findings').site.id !== site.id) i++;
      const file = join(dir, `${site.id}.dcm`);
      writeFileSync(file, studyToDicom(generateStudy(9, i, 'findings')));
      return file;
    });
    const code = `import sys, pydicom
from medgrade_trainer.preprocess import preprocess
for f in sys.argv[1:]:
    preprocess(pydicom.dcmread(f), ${SIZE}).numpy().astype('<f4').tofile(f + '.f32')`;
    python(code, files);
    const manifest = { name: 'parity', input: { modality: ['CR'], channels: 1, height: SIZE, width: SIZE }, preprocessing: PREPROCESSING };
    for (const file of files) {
      const ts = dicomToModelInput(readFileSync(file), manifest);
      const raw = readFileSync(`${file}.f32`);
      const py = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
      expect(ts.length).toBe(py.length);
      let max = 0;
      for (let i = 0; i < py.length; i++) max = Math.max(max, Math.abs((ts[i] ?? 0) - (py[i] ?? 0)));
      expect(max, file).toBeLessThan(1e-4);
    }
  }, 120_000);

  it('on tokenization and decoding', () => {
    const text = 'The heart is enlarged. Opacities in the right upper and left lower zones. No pneumothorax, fibrosis: none.';
    const out = python(`import sys, json
from medgrade_trainer.tokenizer import Tokenizer
tok = Tokenizer.build([sys.argv[1].replace('fibrosis', '')], 64)
ids = tok.encode(sys.argv[1])
print(json.dumps({"spec": tok.to_json(), "ids": ids, "text": tok.decode(ids + [1, 2, 0])}))`, [text]);
    const py = JSON.parse(out) as { spec: ConstructorParameters<typeof WordTokenizer>[0]; ids: number[]; text: string };
    const ts = new WordTokenizer(py.spec);
    expect(ts.encode(text)).toEqual(py.ids);
    expect(ts.decode([...py.ids, 1, 2, 0])).toBe(py.text);
    expect(py.text).toBe('the heart is enlarged. opacities in the right upper and left lower zones. no pneumothorax,: none.');
  }, 60_000);
});
