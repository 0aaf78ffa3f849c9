export { buildInferenceApp, sessionOptionsFrom, type InferenceAppOptions } from './app.ts';
