// Checks that the ONNX graphs of a bundle have the I/O docs/model-bundle.md fixes, with the
// sizes the manifest declares. Runs at upload (registry) and at every load (inference), so a
// graph that does not match its manifest is refused with a message that says which name differs.
import type { Manifest } from './manifest.schema.ts';
import type { GraphValueInfo } from './ort-session.ts';

/** Inputs and outputs of one graph. */
export interface GraphSignature {
  inputs: readonly GraphValueInfo[];
  outputs: readonly GraphValueInfo[];
}

export type BundleGraphs = Partial<Record<'vision_encoder.onnx' | 'decoder.onnx' | 'decoder_with_past.onnx' | 'text_encoder.onnx', GraphSignature>>;

interface Expect {
  name: string;
  type: string;
  rank: number;
  /** Fixed sizes by axis; checked only where the graph's axis is numeric. */
  sizes?: Record<number, number>;
}

function checkValues(file: string, kind: 'input' | 'output', actual: readonly GraphValueInfo[], expected: Expect[], exact: boolean): string[] {
  const problems: string[] = [];
  const byName = new Map(actual.map((v) => [v.name, v]));
  for (const e of expected) {
    const v = byName.get(e.name);
    if (!v) {
      problems.push(`${file}: ${kind} "${e.name}" is missing (graph has ${actual.map((a) => a.name).join(', ') || 'none'})`);
      continue;
    }
    if (v.type !== e.type) problems.push(`${file}: ${kind} "${e.name}" is ${v.type}, expected ${e.type}`);
    if (v.shape.length !== e.rank) problems.push(`${file}: ${kind} "${e.name}" has rank ${v.shape.length}, expected ${e.rank}`);
    for (const [axis, size] of Object.entries(e.sizes ?? {})) {
      const got = v.shape[Number(axis)];
      if (typeof got === 'number' && got !== size) problems.push(`${file}: ${kind} "${e.name}" axis ${axis} is ${got}, manifest says ${size}`);
    }
  }
  if (exact) {
    const names = new Set(expected.map((e) => e.name));
    for (const v of actual) if (!names.has(v.name)) problems.push(`${file}: unexpected ${kind} "${v.name}"`);
  }
  return problems;
}

function kv(prefix: 'past' | 'present', m: Manifest): Expect[] {
  const d = m.decoder;
  if (!d) return [];
  const out: Expect[] = [];
  for (let i = 0; i < d.layers; i++) {
    for (const part of ['key', 'value']) out.push({ name: `${prefix}.${i}.${part}`, type: 'float32', rank: 4, sizes: { 1: d.heads, 3: d.headDim } });
  }
  return out;
}

function visionProblems(m: Manifest, g: GraphSignature): string[] {
  const f = 'vision_encoder.onnx';
  const { channels, height, width } = m.input;
  const outputs: Expect[] = m.task === 'report-generation' ? [{ name: 'image_embeds', type: 'float32', rank: 3 }] : [];
  if (m.files.some((x) => x.path === 'text_encoder.onnx')) outputs.push({ name: 'image_pooled', type: 'float32', rank: 2 });
  if (m.labels) outputs.push({ name: 'label_logits', type: 'float32', rank: 2, sizes: { 1: m.labels.length } });
  const problems = [
    ...checkValues(f, 'input', g.inputs, [{ name: 'pixel_values', type: 'float32', rank: 4, sizes: { 1: channels, 2: height, 3: width } }], true),
    ...checkValues(f, 'output', g.outputs, outputs, false),
  ];
  if (!m.labels && g.outputs.some((o) => o.name === 'label_logits')) problems.push(`${f}: has a label_logits output but the manifest lists no labels`);
  return problems;
}

function decoderProblems(m: Manifest, file: 'decoder.onnx' | 'decoder_with_past.onnx', g: GraphSignature): string[] {
  const vocab = m.decoder?.vocabSize ?? 0;
  const ids: Expect = { name: 'input_ids', type: 'int64', rank: 2, ...(file === 'decoder_with_past.onnx' ? { sizes: { 1: 1 } } : {}) };
  const inputs: Expect[] = [ids, { name: 'image_embeds', type: 'float32', rank: 3 }, ...(file === 'decoder_with_past.onnx' ? kv('past', m) : [])];
  const outputs: Expect[] = [{ name: 'logits', type: 'float32', rank: 3, sizes: { 2: vocab } }, ...kv('present', m)];
  return [...checkValues(file, 'input', g.inputs, inputs, true), ...checkValues(file, 'output', g.outputs, outputs, false)];
}

function textProblems(g: GraphSignature): string[] {
  const f = 'text_encoder.onnx';
  return [
    ...checkValues(f, 'input', g.inputs, [{ name: 'input_ids', type: 'int64', rank: 2 }], true),
    ...checkValues(f, 'output', g.outputs, [{ name: 'text_embeds', type: 'float32', rank: 2 }], false),
  ];
}

/** Every mismatch between the bundle's graphs and its manifest; empty when they agree. */
export function graphProblems(m: Manifest, graphs: BundleGraphs): string[] {
  const problems: string[] = [];
  if (graphs['vision_encoder.onnx']) problems.push(...visionProblems(m, graphs['vision_encoder.onnx']));
  if (m.task === 'report-generation') {
    for (const f of ['decoder.onnx', 'decoder_with_past.onnx'] as const) {
      const g = graphs[f];
      if (g) problems.push(...decoderProblems(m, f, g));
    }
  }
  if (graphs['text_encoder.onnx']) problems.push(...textProblems(graphs['text_encoder.onnx']));
  return problems;
}
