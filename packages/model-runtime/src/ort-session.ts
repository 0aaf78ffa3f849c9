// The only module that imports onnxruntime-node (STYLE.md 17). Everything else talks to
// `ModelSession` with plain typed arrays, so the runtime can be swapped or faked in tests.
import * as ort from 'onnxruntime-node';

/** A tensor as the rest of medgrade sees it: a typed array plus its shape. */
export type TensorData =
  | { type: 'float32'; data: Float32Array; dims: readonly number[] }
  | { type: 'int64'; data: BigInt64Array; dims: readonly number[] };

/** Name, element type and (possibly symbolic) shape of one graph input or output. */
export interface GraphValueInfo {
  name: string;
  type: string;
  shape: ReadonlyArray<number | string>;
}

/** How sessions are created: execution providers in preference order and thread counts. */
export interface SessionOptions {
  executionProviders: readonly ('cpu' | 'cuda')[];
  intraOpThreads: number;
  interOpThreads: number;
}

export const defaultSessionOptions: SessionOptions = { executionProviders: ['cpu'], intraOpThreads: 1, interOpThreads: 1 };

/** One loaded ONNX graph. */
export interface ModelSession {
  readonly inputs: readonly GraphValueInfo[];
  readonly outputs: readonly GraphValueInfo[];
  run(feeds: Record<string, TensorData>, outputNames?: readonly string[]): Promise<Record<string, TensorData>>;
  release(): Promise<void>;
}

function describe(meta: readonly ort.InferenceSession.ValueMetadata[]): GraphValueInfo[] {
  return meta.map((m) => (m.isTensor ? { name: m.name, type: m.type, shape: m.shape } : { name: m.name, type: 'non-tensor', shape: [] }));
}

function toOrt(t: TensorData): ort.Tensor {
  return new ort.Tensor(t.type, t.data, t.dims);
}

function fromOrt(name: string, t: ort.Tensor): TensorData {
  if (t.type === 'float32') return { type: 'float32', data: t.data as Float32Array, dims: t.dims };
  if (t.type === 'int64') return { type: 'int64', data: t.data as BigInt64Array, dims: t.dims };
  throw new Error(`graph output ${name} has unsupported element type ${t.type}`);
}

/** Create a session from the bytes of an .onnx file. */
export async function createSession(bytes: Uint8Array, options: SessionOptions = defaultSessionOptions): Promise<ModelSession> {
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: [...options.executionProviders],
    intraOpNumThreads: options.intraOpThreads,
    interOpNumThreads: options.interOpThreads,
    graphOptimizationLevel: 'all',
  });
  return {
    inputs: describe(session.inputMetadata),
    outputs: describe(session.outputMetadata),
    async run(feeds, outputNames) {
      const ortFeeds: Record<string, ort.Tensor> = {};
      for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = toOrt(t);
      const result = outputNames ? await session.run(ortFeeds, [...outputNames]) : await session.run(ortFeeds);
      const out: Record<string, TensorData> = {};
      for (const [name, t] of Object.entries(result)) out[name] = fromOrt(name, t);
      return out;
    },
    release: () => session.release(),
  };
}

/** Execution providers this build of onnxruntime-node can use (e.g. to log whether CUDA is there). */
export function availableExecutionProviders(): string[] {
  return ort.listSupportedBackends().map((b) => b.name);
}
