// Composition only (STYLE.md 1): config → adapters → orchestrator loop → stop on signal. Trainer
// processes of the local pool are detached: they keep running across a restart of this process
// and the next orchestrator re-attaches to them (packages/training local.executor.ts).
import { loadConfig } from '@medgrade/config';
import { loggerOptions } from '@medgrade/contracts';
import { createPrismaClient } from '@medgrade/db';
import { createObjectStore } from '@medgrade/storage';
import { pino } from 'pino';
import { unavailableEvaluator } from './evaluator.unavailable.ts';
import { buildOrchestrator } from './orchestrator.app.ts';

const config = loadConfig();
const log = pino(loggerOptions('training-orchestrator', config.logLevel));
const prisma = createPrismaClient(config.database.url, { maxConnections: 4 });
const store = createObjectStore(config.storage);
try {
  await store.check();
} catch (error) {
  log.fatal({ err: error }, 'object store not usable');
  process.exit(1);
}
const orchestrator = await buildOrchestrator({
  prisma,
  store,
  storage: config.storage,
  training: config.training,
  evaluator: unavailableEvaluator,
  // Ids and error messages only: job inputs never reach a log line.
  onError: (error, context) => log.warn({ ...context, code: (error as { code?: string }).code, msg: (error as Error).message }, 'orchestrator step failed'),
});
orchestrator.start();
log.info({ cpuPoolCapacity: config.training.cpuPoolCapacity, pollMs: config.training.pollMs }, 'training-orchestrator started');

let closing = false;
async function shutdown(signal: string): Promise<void> {
  if (closing) return;
  closing = true;
  log.info({ signal }, 'stopping (running trainers keep running; the next orchestrator re-attaches)');
  await orchestrator.stop();
  await prisma.$disconnect();
  store.close();
}
process.once('SIGTERM', () => void shutdown('SIGTERM').then(() => process.exit(0)));
process.once('SIGINT', () => void shutdown('SIGINT').then(() => process.exit(0)));
