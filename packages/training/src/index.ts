export * from './executor.ts';
export * from './evaluation/evaluator.ts';
export * from './dataset.keys.ts';
