// Authenticated GET through the real gateway (auth with cached key, Redis rate limit, metrics,
// audit hook, pino request logging to /dev/null) against a bare Fastify hello-world route,
// measured in the same run under the same load. Target: gateway >= 40% of the bare throughput.
//
//   pnpm bench:gateway [seconds=5] [connections=10] [rounds=3]
import autocannon from 'autocannon';
import Fastify, { type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { loadConfig } from '../../packages/config/src/index.ts';
import { serviceLogger } from '../../packages/service/src/index.ts';
import { createTestGateway } from '../../services/gateway/test/gateway.harness.ts';

const seconds = Number(process.argv[2] ?? 5);
const connections = Number(process.argv[3] ?? 10);
const rounds = Number(process.argv[4] ?? 3);

async function listen(app: FastifyInstance, path: string): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };
  return `http://127.0.0.1:${port}${path}`;
}

async function measure(name: string, url: string, headers: Record<string, string>): Promise<number> {
  const result = await autocannon({ url, headers, connections, duration: seconds });
  const failed = result.non2xx + result.errors;
  console.log(`${name.padEnd(28)} ${result.requests.average.toFixed(0).padStart(8)} req/s  p50 ${result.latency.p50} ms  p99 ${result.latency.p99} ms`);
  if (failed > 0) throw new Error(`${name}: ${failed} failed requests`);
  return result.requests.average;
}

const bare = Fastify();
bare.get('/hello', async () => ({ hello: 'world' }));
const bareUrl = await listen(bare, '/hello');

// The same synchronous writer pino uses for stdout in production, pointed at /dev/null so the
// benchmark's own output stays readable (an fs.WriteStream would hand every line to a worker thread).
const devNull = pino.destination({ dest: '/dev/null', sync: true });
const gw = await createTestGateway({ RATE_LIMIT_MAX: '100000000', LOG_LEVEL: 'info' }, { logger: serviceLogger('gateway', { ...loadConfig(), logLevel: 'info' }, devNull) });
const { auth } = await gw.key('bench', ['studies:read']);
const gwUrl = await listen(gw.app, '/v1/me');

// Warm-up (JIT, key cache, pools), then interleaved rounds so background load hits both alike.
await autocannon({ url: bareUrl, connections, duration: 2 });
await autocannon({ url: gwUrl, headers: { authorization: auth }, connections, duration: 2 });
const ratios: number[] = [];
for (let round = 1; round <= rounds; round++) {
  const bareRps = await measure(`[${round}] bare fastify hello-world`, bareUrl, {});
  const gatewayRps = await measure(`[${round}] gateway GET /v1/me`, gwUrl, { authorization: auth });
  ratios.push(gatewayRps / bareRps);
}
await bare.close();
await gw.close();

const ratio = ratios.sort((a, b) => a - b)[Math.floor(ratios.length / 2)]!;
console.log(`\nratio gateway/bare (median of ${rounds} rounds): ${(ratio * 100).toFixed(1)}%  (target >= 40%)  [${seconds}s x ${connections} connections per run]`);
process.exitCode = ratio >= 0.4 ? 0 : 1;
