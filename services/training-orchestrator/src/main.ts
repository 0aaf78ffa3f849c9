// Composition only (STYLE.md 1): config → adapters → readiness → orchestrator loop → stop on signal.
// Trainer processes of the local pool are detached: they keep running across a restart of this
// process and the next orchestrator re-attaches to them (packages/training local.executor.ts).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { AuditLog } from '@medgrade/audit';
import { REPO_ROOT, createPrismaClient } from '@medgrade/db';
import { CandidateVersions } from '@medgrade/registry';
import { assertReady, closeOnSignal, loadConfigOrExit, objectStoreCheck, postgresCheck, serviceLogger } from '@medgrade/service';
import { createObjectStore } from '@medgrade/storage';
import { GateEvaluator, TrainerProcess, createKubeApi, createSlurmCli, parseNodePoolFile, poolExecutors } from '@medgrade/training';
import { buildOrchestrator, storeCredentials, trainerRuntime } from './orchestrator.app.ts';

const config = loadConfigOrExit();
const log = serviceLogger('training-orchestrator', config);
const prisma = createPrismaClient(config.database.url, { maxConnections: 4 });
const store = createObjectStore(config.storage);
await assertReady(log, [postgresCheck(prisma, config.database.url), objectStoreCheck(store)], async () => {
  await prisma.$disconnect();
  store.close();
});

const runtime = trainerRuntime(config);
const evaluator = new GateEvaluator({
  store,
  registry: new CandidateVersions(prisma, store, new AuditLog(prisma, { anchorKey: config.secrets.auditAnchorKeyBytes })),
  trainer: new TrainerProcess({ python: runtime.python, trainerDir: runtime.trainerDir }),
  workRoot: resolve(REPO_ROOT, config.training.workDir),
});
const poolsFile = config.training.nodePoolsFile;
const orchestrator = await buildOrchestrator({
  prisma,
  nodePools: poolsFile ? parseNodePoolFile(readFileSync(poolsFile, 'utf8'), poolsFile) : [],
  executors: poolExecutors({ slurmCli: () => createSlurmCli(), kubeApi: () => createKubeApi() }),
  store,
  storage: config.storage,
  training: config.training,
  evaluator,
  // Ids and error messages only: job inputs never reach a log line.
  onError: (error, context) => log.warn({ ...context, code: (error as { code?: string }).code, msg: (error as Error).message }, 'orchestrator step failed'),
});
orchestrator.start();
if (storeCredentials(config.storage, config.training).platformKey) log.warn('trainer processes get the platform S3 key, which also reads quarantine/: set TRAINER_S3_ACCESS_KEY_ID/TRAINER_S3_SECRET_ACCESS_KEY to a key limited to what a trainer needs');
log.info({ cpuPoolCapacity: config.training.cpuPoolCapacity, pollMs: config.training.pollMs }, 'training-orchestrator started');

// Running trainers keep running; the next orchestrator re-attaches to them.
closeOnSignal(log, 'training-orchestrator', async () => {
  await orchestrator.stop();
  await prisma.$disconnect();
  store.close();
});
