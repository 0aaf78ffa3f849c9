// The committed reference bundle is intact and is what its evaluation says: every file listed with
// the right SHA-256 and size, nothing unlisted, a manifest the inference service accepts, and the
// >= 90% exact-match findings on 500 held-out studies that `pnpm model:reference` reproduces.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManifestSchema } from '../../packages/model-runtime/src/manifest.schema.ts';
import { labelNames } from '../../packages/synthetic/src/findings.ts';

const BUNDLE = resolve(import.meta.dirname, '../../model-bundles/medgrade-cxr-tiny/1');
const manifest = ManifestSchema.parse(JSON.parse(readFileSync(join(BUNDLE, 'manifest.json'), 'utf8')));

describe('model-bundles/medgrade-cxr-tiny/1', () => {
  it('lists every file with its SHA-256 and size, and nothing else', () => {
    const listed = manifest.files.map((f) => f.path).sort();
    const present = readdirSync(BUNDLE).filter((f) => f !== 'manifest.json').sort();
    expect(present).toEqual(listed);
    for (const f of manifest.files) {
      const bytes = readFileSync(join(BUNDLE, f.path));
      expect(createHash('sha256').update(bytes).digest('hex'), f.path).toBe(f.sha256);
      expect(statSync(join(BUNDLE, f.path)).size, f.path).toBe(f.bytes);
    }
    expect(listed).toEqual(expect.arrayContaining(['vision_encoder.onnx', 'decoder.onnx', 'decoder_with_past.onnx', 'tokenizer.json', 'evaluation.json']));
  });

  it('describes a report-generation model over the synthetic findings labels', () => {
    expect(manifest.name).toBe('medgrade-cxr-tiny');
    expect(manifest.task).toBe('report-generation');
    expect(manifest.labels).toEqual(labelNames('findings'));
    const tokenizer = JSON.parse(readFileSync(join(BUNDLE, 'tokenizer.json'), 'utf8')) as { vocab: string[] };
    expect(tokenizer.vocab.slice(0, 4)).toEqual(['<pad>', '<bos>', '<eos>', '<unk>']);
    expect(tokenizer.vocab.length).toBeLessThanOrEqual(manifest.decoder?.vocabSize ?? 0);
    expect(manifest.training?.datasetSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reaches at least 90% exact-match findings on 500 held-out studies', () => {
    const evaluation = JSON.parse(readFileSync(join(BUNDLE, 'evaluation.json'), 'utf8')) as {
      overall: { n: number; exactMatch: { value: number; ci95: number[] } };
      subgroups: Record<string, Record<string, { n: number }>>;
    };
    expect(evaluation.overall.n).toBe(500);
    expect(evaluation.overall.exactMatch.value).toBeGreaterThanOrEqual(0.9);
    expect(Object.keys(evaluation.subgroups).sort()).toEqual(['ageBand', 'sex', 'site']);
    const bySex = Object.values(evaluation.subgroups.sex ?? {}).reduce((s, g) => s + g.n, 0);
    expect(bySex).toBe(500);
  });
});

describe('model-bundles/medgrade-cxr-tiny/1 served by packages/model-runtime', () => {
  it('reads held-out synthetic studies back as their ground-truth report', async () => {
    const { folderReader, readVerifiedBundle } = await import('../../packages/model-runtime/src/bundle.loader.ts');
    const { VisionLanguageModel } = await import('../../packages/model-runtime/src/vision-language.model.ts');
    const { dicomToModelInput } = await import('../../packages/model-runtime/src/dicom-input.ts');
    const { generateStudy, studyToDicom } = await import('../../packages/synthetic/src/index.ts');
    const model = await VisionLanguageModel.load(await readVerifiedBundle(folderReader(BUNDLE)));
    // Seed 2 is the reference's held-out test stream (scripts/model-reference.ts).
    const studies = Array.from({ length: 8 }, (_, i) => generateStudy(2, i, 'findings'));
    const results = await model.run(studies.map((s) => ({ pixels: dicomToModelInput(studyToDicom(s), model.manifest) })));
    const correct = results.filter((r, i) => r.text === studies[i]?.report).length;
    expect(correct).toBeGreaterThanOrEqual(6);
    expect(results[0]?.labels?.length).toBe(labelNames('findings').length);
  }, 120_000);
});
