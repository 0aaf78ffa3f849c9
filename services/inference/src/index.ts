export { buildInferenceApp, sessionOptionsFrom, type InferenceAppOptions } from './app.ts';
export { storeLoader } from './model.cache.ts';
