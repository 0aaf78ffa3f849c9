// Entry point: config → object store → app → listen; closes on SIGTERM/SIGINT (STYLE.md 1).
import { loadConfig, ConfigError, type Config } from '@medgrade/config';
import { availableExecutionProviders } from '@medgrade/models';
import { FsObjectStore, S3ObjectStore, type ObjectStore } from '@medgrade/storage';
import { pino } from 'pino';
import { buildInferenceApp } from './app.ts';

function objectStore(config: Config): ObjectStore {
  if (config.storage.driver === 'fs') return new FsObjectStore(config.storage.fsRoot);
  const { accessKeyId, secretAccessKey, ...s3 } = config.storage.s3;
  return new S3ObjectStore({ ...s3, ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey } } : {}) });
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(1);
    }
    throw e;
  }
  const logger = pino({ level: config.logLevel, name: 'inference' });
  const app = await buildInferenceApp({ config: config.inference, store: objectStore(config), logger });
  logger.info({ executionProviders: config.inference.executionProviders, available: availableExecutionProviders() }, 'onnxruntime execution providers');
  const close = async (): Promise<void> => {
    await app.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void close());
  process.once('SIGINT', () => void close());
  await app.listen({ host: config.inference.host, port: config.inference.port });
}

void main();
