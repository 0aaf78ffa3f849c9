// Output heads on top of the vision encoder: multi-label classification (sigmoid of
// `label_logits`) and CLIP-style zero-shot (cosine of `image_pooled` and `text_embeds`).

/** A label or candidate text with its score in [0, 1]. */
export interface Scored {
  label: string;
  score: number;
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** Sigmoid probabilities of row `row` of `[B, L]` logits, in label order. */
export function classify(logits: Float32Array, row: number, labels: readonly string[]): Scored[] {
  const l = labels.length;
  return labels.map((label, k) => ({ label, score: sigmoid(logits[row * l + k] ?? 0) }));
}

/** CLIP's logit scale (exp of its learned temperature, clamped at 100 in CLIP). */
export const ZERO_SHOT_SCALE = 100;

/**
 * Softmax over candidates of scale × cosine(image, text). Both embeddings are L2-normalized by
 * the graphs (docs/model-bundle.md), so the dot product is the cosine.
 */
export function zeroShot(image: Float32Array, texts: Float32Array, candidates: readonly string[]): Scored[] {
  const p = image.length;
  const logits = candidates.map((_, c) => {
    let dot = 0;
    for (let k = 0; k < p; k++) dot += (image[k] ?? 0) * (texts[c * p + k] ?? 0);
    return ZERO_SHOT_SCALE * dot;
  });
  const max = Math.max(...logits);
  const exps = logits.map((x) => Math.exp(x - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return candidates.map((label, c) => ({ label, score: (exps[c] ?? 0) / sum }));
}
