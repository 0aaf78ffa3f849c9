// OIP v2 tensors ↔ model requests and results: the manifest decides the tensor names.
import { BadRequestError } from '@medgrade/contracts';
import type { Manifest, ModelRequest, ModelResult } from '@medgrade/model-runtime';
import type { InferRequest, OipOutputTensor, OipTensor } from './oip.schema.ts';

/** Tensor metadata of a model as OIP clients see it. */
export function tensorMetadata(m: Manifest): { inputs: OipMeta[]; outputs: OipMeta[] } {
  const { channels, height, width } = m.input;
  const inputs: OipMeta[] = [{ name: 'pixel_values', datatype: 'FP32', shape: [-1, channels, height, width] }];
  const outputs: OipMeta[] = [];
  if (m.task === 'report-generation') {
    inputs.push({ name: 'prompt', datatype: 'BYTES', shape: [-1] });
    outputs.push({ name: 'text', datatype: 'BYTES', shape: [-1] });
  }
  if (m.labels) outputs.push({ name: 'label_probs', datatype: 'FP32', shape: [-1, m.labels.length] });
  return { inputs, outputs };
}

interface OipMeta {
  name: string;
  datatype: string;
  shape: number[];
}

function flatten(data: unknown[] | Float32Array): unknown[] {
  return data instanceof Float32Array ? Array.from(data) : data.flat(Infinity);
}

function numbers(data: unknown[]): Float32Array {
  const flat = data.flat(Infinity);
  if (!flat.every((v) => typeof v === 'number')) throw new BadRequestError('input pixel_values must hold numbers');
  return Float32Array.from(flat as number[]);
}

function pixelRows(t: OipTensor, m: Manifest): Float32Array[] {
  const { channels, height, width } = m.input;
  const [b = 0, c, h, w] = t.shape;
  if (t.datatype !== 'FP32' || t.shape.length !== 4 || c !== channels || h !== height || w !== width) {
    throw new BadRequestError(`input pixel_values must be FP32 with shape [B, ${channels}, ${height}, ${width}]`);
  }
  const size = channels * height * width;
  const all = t.data instanceof Float32Array ? t.data : numbers(t.data);
  if (all.length !== b * size) throw new BadRequestError(`input pixel_values has ${all.length} values, shape says ${b * size}`);
  const rows: Float32Array[] = [];
  for (let i = 0; i < b; i++) rows.push(all.subarray(i * size, (i + 1) * size));
  return rows;
}

/** One model request per row of `pixel_values`, with the row's prompt when given. */
export function requestsFromOip(body: InferRequest, m: Manifest): ModelRequest[] {
  const pixels = body.inputs.find((t) => t.name === 'pixel_values');
  if (!pixels) throw new BadRequestError('input pixel_values is required');
  const unknown = body.inputs.filter((t) => t.name !== 'pixel_values' && t.name !== 'prompt');
  if (unknown.length) throw new BadRequestError(`unknown input ${unknown[0]?.name}: this model takes pixel_values and prompt`);
  const rows = pixelRows(pixels, m);
  const promptTensor = body.inputs.find((t) => t.name === 'prompt');
  const prompts = promptTensor ? flatten(promptTensor.data) : [];
  if (promptTensor && (promptTensor.datatype !== 'BYTES' || ![1, rows.length].includes(prompts.length) || !prompts.every((p) => typeof p === 'string'))) {
    throw new BadRequestError('input prompt must be BYTES with one string, or one per row of pixel_values');
  }
  return rows.map((row, i) => ({ pixels: row, prompt: (prompts.length === 1 ? prompts[0] : prompts[i]) as string | undefined }));
}

/** OIP output tensors for the results, limited to the requested names when the client lists any. */
export function outputsFromResults(results: ModelResult[], m: Manifest, requested: InferRequest['outputs']): OipOutputTensor[] {
  const out: OipOutputTensor[] = [];
  if (m.task === 'report-generation') out.push({ name: 'text', datatype: 'BYTES', shape: [results.length], data: results.map((r) => r.text ?? '') });
  if (m.labels) {
    const data = results.flatMap((r) => (r.labels ?? []).map((l) => l.score));
    out.push({ name: 'label_probs', datatype: 'FP32', shape: [results.length, m.labels.length], data });
  }
  if (!requested?.length) return out;
  const names = new Set(requested.map((o) => o.name));
  const missing = [...names].filter((n) => !out.some((o) => o.name === n));
  if (missing.length) throw new BadRequestError(`unknown output ${missing[0]}: this model has ${out.map((o) => o.name).join(', ')}`);
  return out.filter((o) => names.has(o.name));
}
