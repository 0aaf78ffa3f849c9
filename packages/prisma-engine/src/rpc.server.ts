import readline from 'node:readline';
import type { SchemaEngine } from '@prisma/schema-engine-wasm/schema_engine_bg';
import { Wasm } from './wasm.api.ts';

// Prisma's CLI talks to its schema engine in JSON-RPC 2.0, one message a line on stdin/stdout.
// Requests are answered one at a time, in order, as the native engine does. The engine may also
// ask the CLI to print (`diff --script` output goes through a `print` request, not the result).

interface RpcRequest { jsonrpc: '2.0'; id: number | string; method: string; params?: unknown }
interface RpcResponse { id: number | string; result?: unknown; method?: undefined }
type Message = RpcRequest | RpcResponse;

/** CLI method names that the wasm engine exposes under another name. */
const RENAMED: Record<string, string> = { getDatabaseVersion: 'version' };
/**
 * Calls that need the engine's shadow-database connector, which the wasm engine wires only while
 * a shadow-using call such as devDiagnostic runs: they get a fresh engine primed with one.
 */
const NEEDS_SHADOW = new Set(['evaluateDataLoss', 'createMigration']);
/** JSON-RPC error code the native engine uses for engine errors. */
const ENGINE_ERROR = 4466;

export interface RpcServerOptions {
  newEngine: () => Promise<SchemaEngine>;
  write: (line: string) => void;
  log: (message: string) => void;
}

type Callable = Record<string, ((params: unknown) => Promise<unknown>) | undefined>;

function errorData(err: unknown): Record<string, unknown> {
  const e = err as { message?: string; name?: string; code?: string; meta?: unknown };
  const message = String(e?.message ?? err);
  if (err instanceof Wasm.RuntimeError || e?.name === 'RuntimeError') return { is_panic: true, message };
  return { message, ...(e?.code ? { error_code: e.code } : {}), ...(e?.meta ? { meta: e.meta } : {}) };
}

/** Serve JSON-RPC requests from `input` until it closes; resolves after the last answer. */
export function serveRpc(input: NodeJS.ReadableStream, options: RpcServerOptions): Promise<SchemaEngine | undefined> {
  const { newEngine, write, log } = options;
  const send = (message: object): void => write(`${JSON.stringify(message)}\n`);
  const awaiting = new Map<number, (result: unknown) => void>();
  let nextId = 1_000_000;
  let engine: Promise<SchemaEngine> | undefined;
  let primed = false;

  const askClient = (method: string, params: unknown): Promise<unknown> =>
    new Promise((resolve) => {
      const id = nextId++;
      awaiting.set(id, resolve);
      send({ jsonrpc: '2.0', id, method, params });
    });

  async function engineFor(method: string, params: unknown): Promise<SchemaEngine> {
    if (!NEEDS_SHADOW.has(method) || primed) return (engine ??= newEngine());
    (await engine)?.free();
    const fresh = await (engine = newEngine());
    const { migrationsList, filters } = params as { migrationsList: unknown; filters: unknown };
    await fresh.devDiagnostic({ migrationsList, filters } as Parameters<SchemaEngine['devDiagnostic']>[0]);
    return fresh;
  }

  async function answer(request: RpcRequest): Promise<void> {
    const method = RENAMED[request.method] ?? request.method;
    try {
      const current = await engineFor(method, request.params);
      const call = (current as unknown as Callable)[method];
      if (typeof call !== 'function') {
        send({ jsonrpc: '2.0', id: request.id, error: { code: -32601, message: `method ${request.method} is not supported by the offline schema engine` } });
        return;
      }
      primed = method === 'devDiagnostic' || NEEDS_SHADOW.has(method);
      let result = await call.call(current, request.params);
      if (method === 'diff' && result && typeof (result as { stdout?: unknown }).stdout === 'string') {
        const { stdout, ...rest } = result as { stdout: string };
        if (stdout) await askClient('print', { content: stdout.replace(/\n$/, '') });
        result = rest;
      }
      send({ jsonrpc: '2.0', id: request.id, result: result ?? null });
    } catch (err) {
      log(`${request.method} failed: ${String((err as Error)?.stack ?? err)}`);
      send({ jsonrpc: '2.0', id: request.id, error: { code: ENGINE_ERROR, message: 'An error happened. Check the data field for details.', data: errorData(err) } });
    }
  }

  return new Promise((resolve) => {
    let chain = Promise.resolve();
    const lines = readline.createInterface({ input, crlfDelay: Infinity });
    lines.on('line', (line) => {
      if (!line.trim()) return;
      const message = JSON.parse(line) as Message;
      if (message.method === undefined) {
        const id = Number(message.id);
        awaiting.get(id)?.(message.result);
        awaiting.delete(id);
        return;
      }
      chain = chain.then(() => answer(message));
    });
    lines.on('close', () => void chain.then(async () => resolve(await engine?.catch(() => undefined))));
  });
}
