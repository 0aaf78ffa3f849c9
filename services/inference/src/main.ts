// Entry point: config → object store → readiness → app → listen; drains on SIGTERM/SIGINT (STYLE.md 1).
import { availableExecutionProviders } from '@medgrade/model-runtime';
import { assertReady, closeOnSignal, loadConfigOrExit, objectStoreCheck, serviceLogger } from '@medgrade/service';
import { createObjectStore } from '@medgrade/storage';
import { buildInferenceApp } from './app.ts';

const config = loadConfigOrExit();
const logger = serviceLogger('inference', config);
// The service reads model bundles and de-identified instances from the store, never Postgres or Redis.
const store = createObjectStore(config.storage);
await assertReady(logger, [objectStoreCheck(store)], () => store.close());
const { maxFramePixels, maxInflatedBytes } = config.ingest;
const app = await buildInferenceApp({ config: config.inference, store, logger, pixelLimits: { maxFramePixels, maxInflatedBytes } });
logger.info({ executionProviders: config.inference.executionProviders, available: availableExecutionProviders() }, 'onnxruntime execution providers');
closeOnSignal(logger, 'inference', async () => {
  await app.close();
  store.close();
});
await app.listen({ host: config.inference.host, port: config.inference.port });
