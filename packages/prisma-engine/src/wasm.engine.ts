import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { bindMigrationAwareSqlAdapterFactory, type SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type * as GlueModule from '@prisma/schema-engine-wasm/schema_engine_bg';
import type { SchemaEngine } from '@prisma/schema-engine-wasm/schema_engine_bg';
import { Wasm } from './wasm.api.ts';

// Prisma's schema engine compiled to WebAssembly (@prisma/schema-engine-wasm). Its package entry
// imports the .wasm file as an ES module, which Node does not do; the wasm-bindgen glue module is
// loaded instead and the WebAssembly instance is wired to it by hand, once per process.

const require = createRequire(import.meta.url);
const packageDir = path.dirname(require.resolve('@prisma/schema-engine-wasm'));

type Glue = typeof GlueModule;
let glue: Promise<Glue> | undefined;

async function loadGlue(): Promise<Glue> {
  const bg = await import('@prisma/schema-engine-wasm/schema_engine_bg');
  const module = new Wasm.Module(readFileSync(path.join(packageDir, 'schema_engine_bg.wasm')));
  const instance = new Wasm.Instance(module, { './schema_engine_bg.js': bg });
  bg.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as () => void)();
  return bg;
}

/** The wasm engine's own version string (`schema-engine --version`). */
export function wasmEngineVersion(): string {
  return (JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as { version: string }).version;
}

/** A new engine over the given Prisma schema files and database adapter. */
export async function createWasmEngine(
  datamodelPaths: readonly string[],
  factory: SqlMigrationAwareDriverAdapterFactory,
  onLog: (message: string) => void,
): Promise<SchemaEngine> {
  const bg = await (glue ??= loadGlue());
  const datamodels = datamodelPaths.map((file): [string, string] => [file, readFileSync(file, 'utf8')]);
  const options = datamodels.length > 0 ? { datamodels } : {};
  return bg.SchemaEngine.new(options as Parameters<typeof bg.SchemaEngine.new>[0], onLog, bindMigrationAwareSqlAdapterFactory(factory));
}
