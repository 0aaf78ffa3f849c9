// The WebAssembly global as this package uses it. The project compiles without the DOM library,
// whose declarations are where TypeScript keeps WebAssembly's constructors, so the few members
// used here are declared once.
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, object>) => { exports: Record<string, unknown> };
  RuntimeError: new (...args: unknown[]) => Error;
}

export const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
