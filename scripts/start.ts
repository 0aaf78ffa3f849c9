// `pnpm start`: run the platform on this machine with no environment set. Creates and migrates
// the database, checks Redis, then runs each service as its own child process (as production
// would run separate containers). Ctrl-C / SIGTERM is forwarded; if one service dies, all stop.
// The gateway starts first and the others once it answers: five processes loading their modules
// at once on a small machine made the API wait for all of them (17-23 s to /health/ready at load 8,
// against 5-6 s for the gateway alone). Work the gateway accepts meanwhile waits in the queue.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ensureDatabase, parseDatabaseUrl } from '../packages/db/src/database.admin.ts';
import { REPO_ROOT, migrateDeploy } from '../packages/db/src/migrate.ts';
import type { Config } from '../packages/config/src/index.ts';
import { loadConfigOrExit, objectStoreCheck, redisCheck } from '../packages/service/src/index.ts';
import { createObjectStore } from '../packages/storage/src/index.ts';
import { buildPortal } from '../packages/portal/scripts/build.ts';

const GATEWAY = { name: 'gateway', entry: 'services/gateway/src/main.ts' };
/** Every service `pnpm start` runs after the gateway. Add yours: name and entry file (run by node, which strips the types). */
const SERVICES: { name: string; entry: string }[] = [
  { name: 'deid-worker', entry: 'services/deid-worker/src/main.ts' },
  { name: 'inference', entry: 'services/inference/src/main.ts' },
  { name: 'training-orchestrator', entry: 'services/training-orchestrator/src/main.ts' },
  { name: 'inference-worker', entry: 'services/inference-worker/src/main.ts' },
];

function fail(message: string): never {
  process.stderr.write(`\npnpm start: ${message}\n`);
  process.exit(1);
}

/** Database created and migrated, Redis and the store reachable, portal built: independent steps, run at once. */
async function prepare(): Promise<Config> {
  const config = loadConfigOrExit();
  const { name } = parseDatabaseUrl(config.database.url);
  const database = async () => {
    try {
      if (await ensureDatabase(config.database.url)) process.stderr.write(`created database ${name}\n`);
      await migrateDeploy(config.database.url);
    } catch (error) {
      fail((error as Error).message);
    }
  };
  const store = async () => {
    // The filesystem store creates its folder here; an S3 bucket must already exist.
    const objects = createObjectStore(config.storage);
    await objectStoreCheck(objects).check().catch((error: Error) => fail(error.message));
    objects.close();
  };
  // The developer portal the gateway serves at /portal: rebuilt only when its sources changed.
  const portal = async () => {
    const built = await buildPortal().catch((error: Error) => fail(`building the developer portal failed: ${error.message}`));
    if (built.built) process.stderr.write('developer portal built\n');
  };
  await Promise.all([database(), redisCheck(config.redis.url).check().catch((error: Error) => fail(error.message)), store(), portal()]);
  process.stderr.write(`database ${name} migrated, Redis and the object store reachable; starting the gateway, then ${SERVICES.map((s) => s.name).join(', ')}\n`);
  return config;
}

/** Resolves once the gateway answers its liveness probe (the others then start); never rejects: a gateway that exits stops everything. */
async function gatewayAnswers(config: Config): Promise<void> {
  const host = config.gateway.host === '0.0.0.0' || config.gateway.host === '::' ? '127.0.0.1' : config.gateway.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${config.gateway.port}/health/live`;
  for (;;) {
    if (await fetch(url).then((r) => r.ok, () => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function run(config: Config): Promise<void> {
  const children = new Map<string, ChildProcess>();
  let stopping = false;
  const stopAll = (signal: NodeJS.Signals) => {
    stopping = true;
    for (const child of children.values()) child.kill(signal);
  };
  // V8's compile cache on disk: the second start of each service skips parsing and compiling its
  // modules again (about 4.4 → 2.5 s for the gateway on a loaded 2-core machine).
  const env = { ...process.env, NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE ?? join(REPO_ROOT, 'node_modules', '.cache', 'medgrade', 'v8') };
  const start = (service: { name: string; entry: string }) => {
    if (stopping) return;
    const child = spawn(process.execPath, [service.entry], { cwd: REPO_ROOT, stdio: 'inherit', env });
    children.set(service.name, child);
    child.on('exit', (code, signal) => {
      children.delete(service.name);
      if (!stopping) {
        process.stderr.write(`pnpm start: ${service.name} exited (${signal ?? `code ${code}`}); stopping the others\n`);
        process.exitCode = 1;
        stopAll('SIGTERM');
      }
      if (children.size === 0) process.exit();
    });
  };
  process.on('SIGINT', () => stopAll('SIGINT'));
  process.on('SIGTERM', () => stopAll('SIGTERM'));
  start(GATEWAY);
  await gatewayAnswers(config);
  for (const service of SERVICES) start(service);
}

await run(await prepare());
