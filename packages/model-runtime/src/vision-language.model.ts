// A loaded bundle ready to run: its ONNX sessions, tokenizer and heads behind one batched call.
// `load` re-checks every graph against the manifest, so a bundle whose graphs disagree with it
// never serves (the registry runs the same check at upload).
import { BundleInvalidError, ModelInputError } from './bundle.errors.ts';
import type { VerifiedBundle } from './bundle.loader.ts';
import { generateGreedy } from './generate.ts';
import { graphProblems, type BundleGraphs } from './graph.check.ts';
import { classify, zeroShot, type Scored } from './heads.ts';
import { TokenizerSchema, type Manifest } from './manifest.schema.ts';
import { createSession, defaultSessionOptions, type ModelSession, type SessionOptions, type TensorData } from './ort-session.ts';
import { WordTokenizer } from './tokenizer.ts';

/** One image (already preprocessed to `[C, H, W]`) and what to do with it. */
export interface ModelRequest {
  pixels: Float32Array;
  /** Text the report continues from (report-generation models). */
  prompt?: string | undefined;
  /** Candidate texts for zero-shot classification (needs text_encoder.onnx). */
  candidates?: readonly string[] | undefined;
}

/** What the model produced for one request. */
export interface ModelResult {
  text?: string;
  tokens?: number[];
  labels?: Scored[];
  zeroShot?: Scored[];
}

type SessionName = keyof BundleGraphs;
type SessionFactory = (bytes: Uint8Array, options: SessionOptions) => Promise<ModelSession>;
const GRAPH_FILES: SessionName[] = ['vision_encoder.onnx', 'decoder.onnx', 'decoder_with_past.onnx', 'text_encoder.onnx'];

function f32(t: TensorData | undefined, name: string): Float32Array {
  if (!t || t.type !== 'float32') throw new Error(`graph output ${name} is missing or not float32`);
  return t.data;
}

/** A bundle loaded into onnxruntime sessions. */
export class VisionLanguageModel {
  readonly manifest: Manifest;
  readonly tokenizer: WordTokenizer | undefined;
  /** Rough resident size (graph bytes × 2 for weights plus arena), for the serving LRU budget. */
  readonly memoryBytes: number;
  readonly #sessions: Map<SessionName, ModelSession>;

  private constructor(manifest: Manifest, tokenizer: WordTokenizer | undefined, sessions: Map<SessionName, ModelSession>, memoryBytes: number) {
    this.manifest = manifest;
    this.tokenizer = tokenizer;
    this.#sessions = sessions;
    this.memoryBytes = memoryBytes;
  }

  /** Create sessions for a verified bundle; throws BundleInvalidError when graphs and manifest disagree. */
  static async load(bundle: VerifiedBundle, options: SessionOptions = defaultSessionOptions, factory: SessionFactory = createSession): Promise<VisionLanguageModel> {
    const sessions = new Map<SessionName, ModelSession>();
    let bytes = 0;
    try {
      for (const name of GRAPH_FILES) {
        const file = bundle.files.get(name);
        if (!file) continue;
        bytes += file.byteLength;
        sessions.set(name, await factory(file, options).catch(() => {
          throw new BundleInvalidError([`${name} is not a valid ONNX graph`]);
        }));
      }
      const problems = graphProblems(bundle.manifest, Object.fromEntries(sessions) as BundleGraphs);
      const tokenizer = VisionLanguageModel.#tokenizer(bundle, problems);
      if (problems.length) throw new BundleInvalidError(problems);
      return new VisionLanguageModel(bundle.manifest, tokenizer, sessions, bytes * 2);
    } catch (e) {
      await Promise.all([...sessions.values()].map((s) => s.release()));
      throw e;
    }
  }

  static #tokenizer(bundle: VerifiedBundle, problems: string[]): WordTokenizer | undefined {
    const raw = bundle.files.get('tokenizer.json');
    if (!raw) return undefined;
    let json: unknown;
    try {
      json = JSON.parse(Buffer.from(raw).toString('utf8'));
    } catch {
      problems.push('tokenizer.json is not valid JSON');
      return undefined;
    }
    const parsed = TokenizerSchema.safeParse(json);
    if (!parsed.success) {
      problems.push(...parsed.error.issues.map((i) => `tokenizer.json ${i.path.join('.')}: ${i.message}`));
      return undefined;
    }
    const vocab = bundle.manifest.decoder?.vocabSize;
    if (vocab !== undefined && parsed.data.vocab.length !== vocab) problems.push(`tokenizer.json has ${parsed.data.vocab.length} words, manifest decoder.vocabSize is ${vocab}`);
    return new WordTokenizer(parsed.data);
  }

  get hasTextEncoder(): boolean {
    return this.#sessions.has('text_encoder.onnx');
  }

  #session(name: SessionName): ModelSession {
    const s = this.#sessions.get(name);
    if (!s) throw new ModelInputError(`model ${this.manifest.name} has no ${name}`);
    return s;
  }

  /** Run a batch of requests through the encoder once and every head they ask for. */
  async run(requests: readonly ModelRequest[], signal?: AbortSignal): Promise<ModelResult[]> {
    if (requests.length === 0) return [];
    const { channels, height, width } = this.manifest.input;
    const size = channels * height * width;
    const pixels = new Float32Array(size * requests.length);
    requests.forEach((r, i) => {
      if (r.pixels.length !== size) throw new ModelInputError(`input has ${r.pixels.length} values, model expects ${channels}x${height}x${width}`);
      pixels.set(r.pixels, i * size);
    });
    const vision = await this.#session('vision_encoder.onnx').run({ pixel_values: { type: 'float32', data: pixels, dims: [requests.length, channels, height, width] } });
    const results: ModelResult[] = requests.map(() => ({}));
    if (this.manifest.labels && vision.label_logits) {
      const logits = f32(vision.label_logits, 'label_logits');
      results.forEach((r, i) => (r.labels = classify(logits, i, this.manifest.labels ?? [])));
    }
    signal?.throwIfAborted();
    if (this.manifest.task === 'report-generation') await this.#generate(requests, vision, results, signal);
    if (requests.some((r) => r.candidates?.length)) await this.#zeroShot(requests, vision, results);
    return results;
  }

  async #generate(requests: readonly ModelRequest[], vision: Record<string, TensorData>, results: ModelResult[], signal?: AbortSignal): Promise<void> {
    const tok = this.tokenizer;
    const spec = this.manifest.decoder;
    const gen = this.manifest.generation;
    const embeds = vision.image_embeds;
    if (!tok || !spec || !gen || !embeds) throw new Error('report-generation model loaded without decoder, tokenizer or image_embeds');
    const prefixes = requests.map((r) => [tok.spec.bos, ...(r.prompt ? tok.encode(r.prompt) : [])]);
    for (const p of prefixes) if (p.length >= spec.maxLength) throw new ModelInputError(`prompt is too long: at most ${spec.maxLength - 2} words`);
    // Rows of one decoder batch must share a prefix length; group them.
    const groups = new Map<number, number[]>();
    prefixes.forEach((p, i) => groups.set(p.length, [...(groups.get(p.length) ?? []), i]));
    const [, n = 0, d = 0] = embeds.dims;
    for (const rows of groups.values()) {
      const sub = new Float32Array(rows.length * n * d);
      rows.forEach((row, k) => sub.set(f32(embeds, 'image_embeds').subarray(row * n * d, (row + 1) * n * d), k * n * d));
      const groupEmbeds: TensorData = rows.length === requests.length ? embeds : { type: 'float32', data: sub, dims: [rows.length, n, d] };
      const tokens = await generateGreedy(this.#session('decoder.onnx'), this.#session('decoder_with_past.onnx'), groupEmbeds, rows.map((r) => prefixes[r] ?? []), {
        layers: spec.layers, maxNewTokens: gen.maxNewTokens, maxLength: spec.maxLength, eos: tok.spec.eos,
      }, signal);
      rows.forEach((row, k) => {
        const result = results[row];
        if (!result) return;
        result.tokens = tokens[k] ?? [];
        result.text = tok.decode(result.tokens);
      });
    }
  }

  async #zeroShot(requests: readonly ModelRequest[], vision: Record<string, TensorData>, results: ModelResult[]): Promise<void> {
    const tok = this.tokenizer;
    if (!this.hasTextEncoder || !tok) throw new ModelInputError(`model ${this.manifest.name} has no text encoder for zero-shot candidates`);
    const pooled = f32(vision.image_pooled, 'image_pooled');
    const p = pooled.length / requests.length;
    for (const [i, r] of requests.entries()) {
      const candidates = r.candidates ?? [];
      if (candidates.length === 0) continue;
      const texts = await this.embedTexts(candidates);
      const result = results[i];
      if (result) result.zeroShot = zeroShot(pooled.subarray(i * p, (i + 1) * p), texts, candidates);
    }
  }

  /** L2-normalized text embeddings `[candidates.length, P]` from text_encoder.onnx. */
  async embedTexts(texts: readonly string[]): Promise<Float32Array> {
    const tok = this.tokenizer;
    if (!tok) throw new ModelInputError(`model ${this.manifest.name} has no tokenizer`);
    const encoded = texts.map((t) => {
      const ids = tok.encode(t);
      return ids.length ? ids : [tok.spec.unk];
    });
    const t = Math.max(...encoded.map((e) => e.length));
    const ids = new BigInt64Array(encoded.length * t).fill(BigInt(tok.spec.pad));
    encoded.forEach((e, i) => e.forEach((id, k) => (ids[i * t + k] = BigInt(id))));
    const out = await this.#session('text_encoder.onnx').run({ input_ids: { type: 'int64', data: ids, dims: [encoded.length, t] } });
    return f32(out.text_embeds, 'text_embeds');
  }

  /** Raw vision encoder outputs for a `[B, C, H, W]` tensor (tensor-level clients, OIP v2). */
  async encode(pixels: Float32Array, batch: number): Promise<Record<string, TensorData>> {
    const { channels, height, width } = this.manifest.input;
    return this.#session('vision_encoder.onnx').run({ pixel_values: { type: 'float32', data: pixels, dims: [batch, channels, height, width] } });
  }

  /** Release every session. */
  async release(): Promise<void> {
    await Promise.all([...this.#sessions.values()].map((s) => s.release()));
    this.#sessions.clear();
  }
}
