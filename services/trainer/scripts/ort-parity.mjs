// Runs a bundle's ONNX graphs with onnxruntime-node (the runtime the inference service uses) on a
// float32 batch and prints the outputs as JSON, so the Python exporter can compare them with
// PyTorch. Usage: node ort-parity.mjs <bundle> <pixels.f32> <B> <H> <W> <maxNewTokens>
// onnxruntime is resolved from packages/model-runtime, its one owner in the repository.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(new URL('../../../packages/model-runtime/package.json', import.meta.url));
const ort = require('onnxruntime-node');
const [bundle, pixelsPath, b, h, w, maxNew] = process.argv.slice(2);
const B = Number(b);
const manifest = JSON.parse(readFileSync(join(bundle, 'manifest.json'), 'utf8'));
const tok = JSON.parse(readFileSync(join(bundle, 'tokenizer.json'), 'utf8'));
const layers = manifest.decoder.layers;
const open = (f) => ort.InferenceSession.create(join(bundle, f), { intraOpNumThreads: 1 });
const [enc, dec, decPast] = await Promise.all(['vision_encoder.onnx', 'decoder.onnx', 'decoder_with_past.onnx'].map(open));

const raw = readFileSync(pixelsPath);
const pixels = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
const argmax = (data, row, v) => {
  let best = 0;
  for (let j = 1; j < v; j++) if (data[row * v + j] > data[row * v + best]) best = j;
  return best;
};

async function run() {
  const e = await enc.run({ pixel_values: new ort.Tensor('float32', pixels, [B, 1, Number(h), Number(w)]) });
  const ids = new ort.Tensor('int64', BigInt64Array.from({ length: B }, () => BigInt(tok.bos)), [B, 1]);
  let out = await dec.run({ input_ids: ids, image_embeds: e.image_embeds });
  const firstLogits = Array.from(out.logits.data);
  const generated = Array.from({ length: B }, () => []);
  const done = new Array(B).fill(false);
  const V = out.logits.dims[2];
  for (let step = 0; step < Number(maxNew); step++) {
    const next = Array.from({ length: B }, (_, i) => argmax(out.logits.data, i, V));
    next.forEach((t, i) => { if (!done[i] && t !== tok.eos) generated[i].push(t); if (t === tok.eos) done[i] = true; });
    if (done.every(Boolean)) break;
    const feeds = { input_ids: new ort.Tensor('int64', BigInt64Array.from(next, BigInt), [B, 1]), image_embeds: e.image_embeds };
    for (let i = 0; i < layers; i++) {
      feeds[`past.${i}.key`] = out[`present.${i}.key`];
      feeds[`past.${i}.value`] = out[`present.${i}.value`];
    }
    out = await decPast.run(feeds);
  }
  return { e, firstLogits, generated };
}

await run(); // warm-up: the first run allocates and plans
const started = performance.now();
const { e, firstLogits, generated } = await run();
const ms = performance.now() - started;
process.stdout.write(JSON.stringify({
  image_embeds: Array.from(e.image_embeds.data),
  label_logits: Array.from(e.label_logits.data),
  first_logits: firstLogits,
  generated,
  ms_per_image: ms / B,
}));
