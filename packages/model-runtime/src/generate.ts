// Batched greedy decoding with the KV cache: `decoder.onnx` once over the prefix, then
// `decoder_with_past.onnx` one token at a time. Rows of a batch share one prefix length, so no
// padding or attention mask is needed; finished rows keep stepping (their tokens are ignored).
import type { ModelSession, TensorData } from './ort-session.ts';

/** What greedy decoding needs from the manifest and tokenizer. */
export interface GenerationSpec {
  layers: number;
  maxNewTokens: number;
  maxLength: number;
  eos: number;
}

function argmaxLast(logits: TensorData, row: number): number {
  const [, t = 1, v = 1] = logits.dims;
  const data = logits.data as Float32Array;
  const start = (row * t + (t - 1)) * v;
  let best = 0;
  let bestValue = -Infinity;
  for (let k = 0; k < v; k++) {
    const x = data[start + k] ?? -Infinity;
    if (x > bestValue) {
      bestValue = x;
      best = k;
    }
  }
  return best;
}

function ids(rows: readonly (readonly number[])[]): TensorData {
  const t = rows[0]?.length ?? 0;
  return { type: 'int64', data: BigInt64Array.from(rows.flat(), (x) => BigInt(x)), dims: [rows.length, t] };
}

function pastFeeds(outputs: Record<string, TensorData>, layers: number): Record<string, TensorData> {
  const feeds: Record<string, TensorData> = {};
  for (let i = 0; i < layers; i++) {
    for (const part of ['key', 'value']) {
      const t = outputs[`present.${i}.${part}`];
      if (!t) throw new Error(`decoder output present.${i}.${part} is missing`);
      feeds[`past.${i}.${part}`] = t;
    }
  }
  return feeds;
}

/** Greedy continuation of each prefix (all the same length); eos ends a row and is not returned. */
export async function generateGreedy(
  decoder: ModelSession,
  decoderWithPast: ModelSession,
  imageEmbeds: TensorData,
  prefixes: readonly (readonly number[])[],
  spec: GenerationSpec,
  signal?: AbortSignal,
): Promise<number[][]> {
  const prefixLength = prefixes[0]?.length ?? 0;
  if (prefixes.some((p) => p.length !== prefixLength)) throw new Error('generateGreedy needs prefixes of one length');
  const budget = Math.min(spec.maxNewTokens, spec.maxLength - prefixLength + 1);
  const out: number[][] = prefixes.map(() => []);
  const done = prefixes.map(() => false);
  let outputs = await decoder.run({ input_ids: ids(prefixes), image_embeds: imageEmbeds });
  for (let step = 0; step < budget; step++) {
    const logits = outputs.logits;
    if (!logits) throw new Error('decoder output logits is missing');
    const next = prefixes.map((_, r) => argmaxLast(logits, r));
    next.forEach((tok, r) => {
      if (done[r]) return;
      if (tok === spec.eos) done[r] = true;
      else out[r]!.push(tok);
    });
    if (done.every(Boolean) || step + 1 === budget) break;
    signal?.throwIfAborted();
    outputs = await decoderWithPast.run({ input_ids: ids(next.map((t) => [t])), image_embeds: imageEmbeds, ...pastFeeds(outputs, spec.layers) });
  }
  return out;
}
