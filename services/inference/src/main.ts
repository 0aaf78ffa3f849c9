// Entry point: config → object store → app → listen; closes on SIGTERM/SIGINT (STYLE.md 1).
import { loadConfig, ConfigError, type Config } from '@medgrade/config';
import { loggerOptions } from '@medgrade/contracts';
import { availableExecutionProviders } from '@medgrade/models';
import { createObjectStore } from '@medgrade/storage';
import { pino } from 'pino';
import { buildInferenceApp } from './app.ts';

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
  const store = createObjectStore(config.storage);
  const logger = pino(loggerOptions('inference', config.logLevel));
  const { maxFramePixels, maxInflatedBytes } = config.ingest;
  const app = await buildInferenceApp({ config: config.inference, store, logger, pixelLimits: { maxFramePixels, maxInflatedBytes } });
  logger.info({ executionProviders: config.inference.executionProviders, available: availableExecutionProviders() }, 'onnxruntime execution providers');
  const close = async (): Promise<void> => {
    await app.close();
    store.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void close());
  process.once('SIGINT', () => void close());
  await app.listen({ host: config.inference.host, port: config.inference.port });
}

void main();
