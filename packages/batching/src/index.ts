export { DynamicBatcher, type BatcherOptions } from './dynamic.batcher.ts';
