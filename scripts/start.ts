// `pnpm start`: run the platform on this machine with no environment set. Creates and migrates
// the database, checks Redis, then runs each service as its own child process (as production
// would run separate containers). Ctrl-C / SIGTERM is forwarded; if one service dies, all stop.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { loadConfig, ConfigError } from '../packages/config/src/index.ts';
import { ensureDatabase, parseDatabaseUrl } from '../packages/db/src/database.admin.ts';
import { REPO_ROOT, migrateDeploy } from '../packages/db/src/migrate.ts';
import { createObjectStore } from '../packages/storage/src/index.ts';

/** Every service `pnpm start` runs. Add yours: name and entry file (run with tsx). */
const SERVICES: { name: string; entry: string }[] = [
  { name: 'gateway', entry: 'services/gateway/src/main.ts' },
  { name: 'deid-worker', entry: 'services/deid-worker/src/main.ts' },
  { name: 'inference', entry: 'services/inference/src/main.ts' },
];

function fail(message: string): never {
  process.stderr.write(`\npnpm start: ${message}\n`);
  process.exit(1);
}

function loadConfigOrFail() {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
}

/** PING Redis over a raw socket (the root package has no Redis client). */
function pingRedis(redisUrl: string): Promise<void> {
  const url = new URL(redisUrl);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: url.hostname, port: Number(url.port || 6379) });
    socket.setTimeout(3000, () => socket.destroy(new Error('timed out')));
    socket.once('connect', () => socket.write(url.password ? `AUTH ${decodeURIComponent(url.password)}\r\nPING\r\n` : 'PING\r\n'));
    socket.on('data', (data) => {
      if (data.toString().includes('+PONG')) {
        socket.end();
        resolve();
      }
    });
    socket.once('error', reject);
  });
}

async function prepare(): Promise<void> {
  const config = loadConfigOrFail();
  const { name } = parseDatabaseUrl(config.database.url);
  try {
    if (await ensureDatabase(config.database.url)) process.stderr.write(`created database ${name}\n`);
    await migrateDeploy(config.database.url);
  } catch (error) {
    fail((error as Error).message);
  }
  await pingRedis(config.redis.url).catch((error: Error) =>
    fail(`Redis not reachable at ${new URL(config.redis.url).host} (${error.message}): start it with \`redis-server --daemonize yes\` (or \`docker compose up -d redis\`) or set REDIS_URL`),
  );
  // The filesystem store creates its folder here; an S3 bucket must already exist.
  const store = createObjectStore(config.storage);
  await store.check().catch((error: Error) => fail(error.message));
  store.close();
  process.stderr.write(`database ${name} migrated, Redis and the object store reachable; starting ${SERVICES.map((s) => s.name).join(', ')}\n`);
}

function run(): void {
  const tsx = path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
  const children = new Map<string, ChildProcess>();
  let stopping = false;
  const stopAll = (signal: NodeJS.Signals) => {
    stopping = true;
    for (const child of children.values()) child.kill(signal);
  };
  for (const service of SERVICES) {
    const child = spawn(tsx, [service.entry], { cwd: REPO_ROOT, stdio: 'inherit' });
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
  }
  process.on('SIGINT', () => stopAll('SIGINT'));
  process.on('SIGTERM', () => stopAll('SIGTERM'));
}

await prepare();
run();
