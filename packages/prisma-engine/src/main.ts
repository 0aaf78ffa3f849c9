// Entry of the offline schema engine (bin/schema-engine): `--version`, `cli <command>`, or the
// JSON-RPC server Prisma's CLI drives. stdout and stderr belong to the CLI's protocol; diagnostics
// go to stderr only with MEDGRADE_PRISMA_ENGINE_DEBUG=1 (which breaks the CLI's parsing).
import { createAdapterFactory, ShadowDatabases } from './adapter.factory.ts';
import { parseEngineArgs } from './args.ts';
import { runCliCommand } from './database.cli.ts';
import { serveRpc } from './rpc.server.ts';
import { createWasmEngine, wasmEngineVersion } from './wasm.engine.ts';

const debug = process.env.MEDGRADE_PRISMA_ENGINE_DEBUG === '1';
const log = (message: string): void => {
  if (debug) process.stderr.write(`[prisma-engine] ${message}\n`);
};

const args = parseEngineArgs(process.argv.slice(2));
if (args.version) {
  process.stdout.write(`schema-engine-wasm ${wasmEngineVersion()}\n`);
  process.exit(0);
}
const url = args.datasource.url ?? process.env.DATABASE_URL;
if (args.cliCommand !== undefined) process.exit(await runCliCommand(args.cliCommand, url, process.stdout, process.stderr));

const shadows = new ShadowDatabases();
const engine = await serveRpc(process.stdin, {
  newEngine: () => {
    if (!url) throw new Error('no datasource url was given to the schema engine');
    return createWasmEngine(args.datamodelPaths, createAdapterFactory(url, args.datasource.shadowDatabaseUrl, shadows), log);
  },
  write: (line) => process.stdout.write(line),
  log,
});
try {
  engine?.free();
} catch {
  // already freed
}
await shadows.dropAll();
process.exit(0);
