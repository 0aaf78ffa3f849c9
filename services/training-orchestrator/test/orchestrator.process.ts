// The orchestrator as its own process, for the SIGKILL test: the real app from config (the test
// sets DATABASE_URL, STORAGE_FS_ROOT and TRAINING_*), with the harness's evaluation stand-in.
import { loadConfig } from '@medgrade/config';
import { createPrismaClient } from '@medgrade/db';
import { FsObjectStore } from '@medgrade/storage';
import { buildOrchestrator } from '../src/orchestrator.app.ts';
import { RecordingEvaluator } from './harness.ts';

const config = loadConfig();
if (config.storage.driver !== 'fs') throw new Error('the SIGKILL test runs on the filesystem store');
const prisma = createPrismaClient(config.database.url, { maxConnections: 3 });
const store = new FsObjectStore(config.storage.fsRoot);
const orchestrator = await buildOrchestrator({
  prisma, store, storage: config.storage, training: config.training, evaluator: new RecordingEvaluator(prisma, store),
  onError: (error, context) => process.stderr.write(`orchestrator ${context.phase} ${context.jobId ?? ''}: ${(error as Error).message}\n`),
});
orchestrator.start();
process.stdout.write('ready\n');
