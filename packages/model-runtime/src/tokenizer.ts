// Word-level tokenizer from docs/model-bundle.md: the trainer encodes and decodes the same way.
import type { TokenizerSpec } from './manifest.schema.ts';

const WORD = /[a-z0-9]+|[^\sa-z0-9]/g;
const WORD_ANY_CASE = /[A-Za-z0-9]+|[^\sA-Za-z0-9]/g;

/** Encodes text to ids and decodes ids to text for one bundle's vocabulary. */
export class WordTokenizer {
  readonly spec: TokenizerSpec;
  readonly #ids: Map<string, number>;
  readonly #special: Set<number>;

  constructor(spec: TokenizerSpec) {
    this.spec = spec;
    this.#ids = new Map(spec.vocab.map((w, i) => [w, i]));
    this.#special = new Set([spec.pad, spec.bos, spec.eos, spec.unk]);
  }

  get vocabSize(): number {
    return this.spec.vocab.length;
  }

  /** Ids of the words of `text` (no bos/eos added). */
  encode(text: string): number[] {
    const source = this.spec.lowercase ? text.toLowerCase() : text;
    const words = source.match(this.spec.lowercase ? WORD : WORD_ANY_CASE) ?? [];
    return words.map((w) => this.#ids.get(w) ?? this.spec.unk);
  }

  /** Text for generated ids: specials dropped, words joined by one space, no space before punctuation. */
  decode(ids: readonly number[]): string {
    const words = ids.filter((id) => !this.#special.has(id)).map((id) => this.spec.vocab[id] ?? '');
    return words.join(' ').replace(/ ([.,;:])/g, '$1');
  }
}
