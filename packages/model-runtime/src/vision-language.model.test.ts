// The committed random-weight bundle (scripts/make_test_bundle.py) run through onnxruntime:
// greedy tokens with the KV cache must equal PyTorch's greedy decode without a cache, and the
// heads must reproduce PyTorch's numbers. Corrupt copies of the bundle must never load.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BundleInvalidError } from './bundle.errors.ts';
import { folderReader, readVerifiedBundle } from './bundle.loader.ts';
import { VisionLanguageModel } from './vision-language.model.ts';

const FIXTURES = join(import.meta.dirname, '../test/fixtures');
const BUNDLE = join(FIXTURES, 'tiny-bundle');

interface Expected {
  tokens: number[];
  labelLogits: number[];
  imagePooled: number[];
  textEmbeds: number[];
  textIds: number[];
}

function ramp(h: number, w: number): Float32Array {
  const out = new Float32Array(h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * w + x] = ((x + y) / (h + w - 2) - 0.5) / 0.25;
  return out;
}

async function problemsOf(mutate: (dir: string) => Promise<void>): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'bundle-'));
  try {
    await cp(BUNDLE, dir, { recursive: true });
    await mutate(dir);
    const model = await VisionLanguageModel.load(await readVerifiedBundle(folderReader(dir)));
    await model.release();
    return [];
  } catch (e) {
    if (e instanceof BundleInvalidError) return e.problems;
    throw e;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function editManifest(dir: string, edit: (m: Record<string, unknown>) => void): Promise<void> {
  const path = join(dir, 'manifest.json');
  const m = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  edit(m);
  await writeFile(path, JSON.stringify(m));
}

describe('VisionLanguageModel on the tiny bundle', () => {
  let model: VisionLanguageModel;
  let expected: Expected;
  beforeAll(async () => {
    expected = JSON.parse(await readFile(join(FIXTURES, 'tiny-bundle.expected.json'), 'utf8')) as Expected;
    model = await VisionLanguageModel.load(await readVerifiedBundle(folderReader(BUNDLE)));
  });
  afterAll(() => model.release());

  it('greedy decoding with the KV cache reproduces PyTorch, alone and in a batch', async () => {
    const pixels = ramp(32, 32);
    const other = new Float32Array(32 * 32).fill(-1);
    const [alone] = await model.run([{ pixels }]);
    const batch = await model.run([{ pixels: other }, { pixels }, { pixels: other }]);
    expect(alone?.tokens).toEqual(expected.tokens);
    expect(batch[1]?.tokens).toEqual(expected.tokens);
    expect(batch[0]?.tokens).toEqual(batch[2]?.tokens);
    expect(alone?.text).toBe(model.tokenizer?.decode(expected.tokens));
  });

  it('label probabilities are the sigmoid of PyTorch logits', async () => {
    const [r] = await model.run([{ pixels: ramp(32, 32) }]);
    expect(r?.labels?.map((l) => l.label)).toEqual(['cardiomegaly', 'effusion_left', 'effusion_right', 'pneumothorax']);
    r?.labels?.forEach((l, i) => expect(l.score).toBeCloseTo(1 / (1 + Math.exp(-(expected.labelLogits[i] ?? 0))), 5));
  });

  it('text encoder and zero-shot scores follow PyTorch embeddings', async () => {
    const texts = await model.embedTexts(['a chest x - ray with heart']);
    expected.textEmbeds.forEach((v, i) => expect(texts[i]).toBeCloseTo(v, 5));
    const [r] = await model.run([{ pixels: ramp(32, 32), candidates: ['a chest x - ray with heart', 'normal'] }]);
    const scores = r?.zeroShot?.map((s) => s.score) ?? [];
    expect(scores).toHaveLength(2);
    expect((scores[0] ?? 0) + (scores[1] ?? 0)).toBeCloseTo(1, 6);
  });

  it('a prompt changes the prefix and rows of different prompt lengths batch together', async () => {
    const pixels = ramp(32, 32);
    const [plain, prompted] = await model.run([{ pixels }, { pixels, prompt: 'the heart is' }]);
    expect(plain?.tokens).toEqual(expected.tokens);
    expect(prompted?.tokens).not.toEqual(expected.tokens);
  });
});

describe('corrupt bundles never load', () => {
  it('refuses a file whose SHA-256 differs', async () => {
    const problems = await problemsOf(async (dir) => {
      const path = join(dir, 'decoder.onnx');
      const bytes = await readFile(path);
      bytes[bytes.length - 10] = (bytes[bytes.length - 10] ?? 0) ^ 0xff;
      await writeFile(path, bytes);
    });
    expect(problems).toEqual(['decoder.onnx SHA-256 does not match the manifest']);
  });

  it('refuses a missing file', async () => {
    const problems = await problemsOf((dir) => rm(join(dir, 'tokenizer.json')));
    expect(problems).toEqual(['tokenizer.json is listed in the manifest but missing']);
  });

  it('refuses graphs that do not match the manifest', async () => {
    const problems = await problemsOf((dir) => editManifest(dir, (m) => {
      (m.input as Record<string, unknown>).height = 64;
      (m.decoder as Record<string, unknown>).layers = 3;
    }));
    expect(problems).toContain('vision_encoder.onnx: input "pixel_values" axis 2 is 32, manifest says 64');
    expect(problems.some((p) => p.startsWith('decoder_with_past.onnx: input "past.2.key" is missing'))).toBe(true);
  });

  it('refuses a manifest that breaks the schema, listing each problem', async () => {
    const problems = await problemsOf((dir) => editManifest(dir, (m) => {
      m.task = 'segmentation';
      delete m.files;
    }));
    expect(problems.length).toBeGreaterThanOrEqual(2);
    expect(problems.join('\n')).toMatch(/task/);
    expect(problems.join('\n')).toMatch(/files/);
  });
});
